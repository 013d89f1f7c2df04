/**
 * MQTT 3.1.1 for every MQTT platform of the starter (StellaNow, Astarte, Spotflow): {@link
 * dev.iotspring.core.mqtt.MqttEndpoint} parses broker URLs, {@link dev.iotspring.core.mqtt.MqttConnection} keeps
 * one Paho v3 async client connected (own reconnect loop with back-off, credentials asked at every connect,
 * publish futures completed on the broker's acknowledgement, bounded in-flight window, subscriptions restored,
 * session-present reported, TLS from Spring Boot SSL bundles), {@link dev.iotspring.core.mqtt.MqttMessageSender}
 * plugs it into a {@link dev.iotspring.core.delivery.Dispatcher}, {@link
 * dev.iotspring.core.mqtt.MqttConnectionMetrics} gauges its state.
 */
@NullMarked
package dev.iotspring.core.mqtt;

import org.jspecify.annotations.NullMarked;
