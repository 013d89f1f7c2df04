/**
 * Micrometer Observations of sends and inbound deliveries, shared by every platform: {@link
 * dev.iotspring.core.observation.IotObservations} is the helper a platform calls, the rest is the documentation,
 * contexts and conventions users may replace.
 */
package dev.iotspring.core.observation;
