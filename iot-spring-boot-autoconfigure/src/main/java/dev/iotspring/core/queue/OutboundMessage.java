package dev.iotspring.core.queue;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * One message waiting to leave the application: an id the platform or the caller chose, where it goes
 * (an MQTT topic, a stream name), the encoded bytes, and how it is to be delivered.
 *
 * @param id unique message id (for StellaNow the envelope's messageId)
 * @param destination topic or stream the message is published to
 * @param payload encoded bytes as they go on the wire
 * @param qos MQTT quality of service (0, 1 or 2); platforms that are not MQTT use 1
 * @param retain whether the broker should retain the message
 * @param createdAt when the application handed the message over (start of the publish-latency timer)
 */
public record OutboundMessage(String id, String destination, byte[] payload, int qos, boolean retain,
        Instant createdAt) {

    public OutboundMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(createdAt, "createdAt");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2 but was " + qos);
        }
    }

    public static OutboundMessage of(String id, String destination, byte[] payload) {
        return new OutboundMessage(id, destination, payload, 1, false, Instant.now());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OutboundMessage m && id.equals(m.id) && destination.equals(m.destination)
                && Arrays.equals(payload, m.payload) && qos == m.qos && retain == m.retain
                && createdAt.equals(m.createdAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, destination, Arrays.hashCode(payload), qos, retain, createdAt);
    }

    @Override
    public String toString() {
        // Payloads may carry personal data: never printed.
        return "OutboundMessage[id=" + id + ", destination=" + destination + ", bytes=" + payload.length + ", qos="
                + qos + "]";
    }
}
