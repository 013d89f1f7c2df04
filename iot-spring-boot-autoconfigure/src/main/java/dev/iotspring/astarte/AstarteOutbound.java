package dev.iotspring.astarte;

import java.time.Duration;

import dev.iotspring.astarte.AstarteMapping.Retention;

/**
 * A checked and encoded message for Astarte, ready for its topic {@code realm/device_id/interface/path}.
 *
 * @param interfaceName interface name
 * @param major the interface's major version (kept with stored properties)
 * @param path concrete path, starting with '/'
 * @param payload BSON bytes, empty for a property unset
 * @param qos MQTT QoS from the mapping's reliability (2 for properties)
 * @param retention what to do while the broker cannot be reached (datastreams)
 * @param expiry how long a retained value is worth sending, zero for ever
 * @param property whether this is a property set or unset
 */
record AstarteOutbound(String interfaceName, int major, String path, byte[] payload, int qos, Retention retention,
        Duration expiry, boolean property) {

    /** The topic below {@code realm/device_id}. */
    String topicSuffix() {
        return this.interfaceName + this.path;
    }

    boolean isUnset() {
        return this.property && this.payload.length == 0;
    }
}
