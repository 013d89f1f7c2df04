package dev.iotspring.core.queue;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
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
 * @param headers small string metadata a platform needs at send time and a durable queue keeps with the
 * message (MQTT 5 user properties, content type, a retention expiry, a batch id); empty for most messages
 */
public record OutboundMessage(String id, String destination, byte[] payload, int qos, boolean retain,
        Instant createdAt, Map<String, String> headers) {

    /**
     * Header holding the instant (ISO-8601) after which the message is worthless: a dispatcher discards it
     * instead of sending it late (Astarte's retention expiry). Set it with {@link #withExpiry(Instant)}.
     */
    public static final String HEADER_EXPIRES_AT = "iot-expires-at";

    public OutboundMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(createdAt, "createdAt");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2 but was " + qos);
        }
        headers = (headers == null) ? Map.of() : Map.copyOf(headers);
    }

    public OutboundMessage(String id, String destination, byte[] payload, int qos, boolean retain,
            Instant createdAt) {
        this(id, destination, payload, qos, retain, createdAt, Map.of());
    }

    /** The same message with one more header. */
    public OutboundMessage withHeader(String name, String value) {
        Map<String, String> copy = new java.util.LinkedHashMap<>(this.headers);
        copy.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return new OutboundMessage(this.id, this.destination, this.payload, this.qos, this.retain, this.createdAt,
                copy);
    }

    public static OutboundMessage of(String id, String destination, byte[] payload) {
        return new OutboundMessage(id, destination, payload, 1, false, Instant.now());
    }

    /** The same message, discarded instead of sent once {@code expiresAt} has passed. */
    public OutboundMessage withExpiry(Instant expiresAt) {
        return withHeader(HEADER_EXPIRES_AT, expiresAt.toString());
    }

    /** Whether the message carries an expiry that is before {@code now}. */
    public boolean isExpired(Instant now) {
        String expiry = this.headers.get(HEADER_EXPIRES_AT);
        return expiry != null && Instant.parse(expiry).isBefore(now);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OutboundMessage m && id.equals(m.id) && destination.equals(m.destination)
                && Arrays.equals(payload, m.payload) && qos == m.qos && retain == m.retain
                && createdAt.equals(m.createdAt) && headers.equals(m.headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, destination, Arrays.hashCode(payload), qos, retain, createdAt, headers);
    }

    @Override
    public String toString() {
        // Payloads may carry personal data: never printed.
        return "OutboundMessage[id=" + id + ", destination=" + destination + ", bytes=" + payload.length + ", qos="
                + qos + (headers.isEmpty() ? "" : ", headers=" + headers.keySet()) + "]";
    }
}
