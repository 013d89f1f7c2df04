package dev.iotspring.test.mqtt;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A PUBLISH the {@link EmbeddedMqttBroker} received from a client.
 *
 * @param clientId who sent it
 * @param topic topic name
 * @param qos quality of service 0, 1 or 2
 * @param retain retain flag
 * @param duplicate DUP flag (a client's redelivery)
 * @param payload the bytes
 * @param receivedAt when the broker received it
 */
public record RecordedPublish(String clientId, String topic, int qos, boolean retain, boolean duplicate,
        byte[] payload, Instant receivedAt) {

    public String payloadAsString() {
        return new String(this.payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "RecordedPublish[clientId=" + this.clientId + ", topic=" + this.topic + ", qos=" + this.qos + ", retain="
                + this.retain + ", dup=" + this.duplicate + ", bytes=" + this.payload.length + "]";
    }
}
