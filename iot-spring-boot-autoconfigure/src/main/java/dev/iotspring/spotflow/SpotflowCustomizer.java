package dev.iotspring.spotflow;

import dev.iotspring.core.mqtt.MqttConnectionSettings;

/**
 * Adjusts the settings of the hub's MQTT connection before it is built (TLS material, back-off, a scheduler),
 * as Boot's client customizers do. Every such bean is applied, in order, each time a connection is made (after a
 * registration moved the device to another hub). The protocol's fixed rules (MQTT 3.1.1, clean session off, one
 * message in flight, the SAS credentials) are applied after the customizers.
 */
@FunctionalInterface
public interface SpotflowCustomizer {

    void customize(MqttConnectionSettings.Builder settings);
}
