package dev.iotspring.test.astarte;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * A PUBLISH from a device as the {@link AstarteEmulator}'s Astarte side decoded it (spec §6).
 *
 * @param kind what the topic says it is
 * @param deviceId the device (topic and client id agree, the broker enforces it)
 * @param topic the full topic
 * @param interfaceName for {@link Kind#DATA} and {@link Kind#UNSET}: the interface, else null
 * @param path for {@link Kind#DATA} and {@link Kind#UNSET}: the path with its leading {@code /}, else null
 * @param qos the QoS the device published with
 * @param retain the retain flag (Astarte devices never set it)
 * @param payload the raw bytes
 * @param value {@link Kind#DATA}: the decoded {@code v} (a Map for an object aggregate);
 * {@link Kind#PRODUCER_PROPERTIES}: the {@link AstartePayloads.PurgeList}; otherwise null. Null too when the
 * payload could not be decoded (see {@link AstarteEmulator#deviceErrors(String)})
 * @param timestamp the BSON {@code t} of a data message, or null
 * @param bsonType BSON type of {@code v} ({@code DOUBLE}, {@code INT32}, {@code INT64}, {@code DOCUMENT}...), or null
 * @param receivedAt when the broker received it
 */
public record DeviceMessage(Kind kind, String deviceId, String topic, @Nullable String interfaceName,
        @Nullable String path, int qos, boolean retain, byte[] payload, @Nullable Object value,
        @Nullable Instant timestamp, @Nullable String bsonType, Instant receivedAt) {

    /** The payload as UTF-8 text (introspection, emptyCache). */
    public String payloadAsString() {
        return new String(this.payload, StandardCharsets.UTF_8);
    }

    /** The {@code name:major:minor} entries of an introspection (order is free on the wire). */
    public Set<String> introspectionEntries() {
        if (this.kind != Kind.INTROSPECTION) {
            throw new IllegalStateException("Not an introspection: " + this);
        }
        String text = payloadAsString();
        return text.isEmpty() ? Set.of() : new LinkedHashSet<>(Arrays.asList(text.split(";", -1)));
    }

    /** The decoded producer purge list. */
    public AstartePayloads.PurgeList purgeList() {
        if (this.value instanceof AstartePayloads.PurgeList list) {
            return list;
        }
        throw new IllegalStateException("Not a decodable purge list: " + this);
    }

    /** {@code <interface><path>}, the key of properties and purge lists. */
    public @Nullable String interfacePath() {
        return (this.interfaceName != null) ? this.interfaceName + this.path : null;
    }

    @Override
    public String toString() {
        return "DeviceMessage[" + this.kind + " " + this.topic + " qos=" + this.qos + " value="
                + ((this.value instanceof byte[] bytes) ? bytes.length + " bytes" : this.value)
                + ((this.timestamp != null) ? " t=" + this.timestamp : "") + "]";
    }

    /** Topics of Astarte MQTT v1 a device publishes on. */
    public enum Kind {

        /** {@code <realm>/<device_id>}: the introspection string. */
        INTROSPECTION,

        /** {@code .../control/emptyCache}: payload {@code 1}. */
        EMPTY_CACHE,

        /** {@code .../control/producer/properties}: the device's purge list. */
        PRODUCER_PROPERTIES,

        /** {@code .../capabilities}: BSON capabilities (Astarte ≥ 1.3). */
        CAPABILITIES,

        /** Any other {@code .../control/...} topic. */
        CONTROL,

        /** {@code .../<interface><path>} with a BSON payload. */
        DATA,

        /** {@code .../<interface><path>} with an empty payload: a property unset. */
        UNSET
    }
}
