/**
 * {@link dev.iotspring.test.mqtt.EmbeddedMqttBroker}: a real MQTT broker (HiveMQ CE, embedded) for tests, with
 * recordings, pluggable authentication and authorization, fault knobs, a JUnit 5 extension ({@link
 * dev.iotspring.test.mqtt.EnableEmbeddedMqttBroker}) and a Spring initializer.
 */
@NullMarked
package dev.iotspring.test.mqtt;

import org.jspecify.annotations.NullMarked;
