package dev.iotspring.core.mqtt;

import java.util.Objects;

/**
 * A message the broker delivered for a subscription.
 *
 * @param topic the topic it was published on
 * @param payload its bytes (the listener may keep them)
 * @param qos quality of service it was delivered with
 * @param retained whether it is a retained message
 * @param duplicate whether the broker marked it as a possible redelivery
 */
public record MqttInboundMessage(String topic, byte[] payload, int qos, boolean retained, boolean duplicate) {

    public MqttInboundMessage {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
    }

    @Override
    public String toString() {
        return "MqttInboundMessage[topic=" + this.topic + ", bytes=" + this.payload.length + ", qos=" + this.qos + "]";
    }
}
