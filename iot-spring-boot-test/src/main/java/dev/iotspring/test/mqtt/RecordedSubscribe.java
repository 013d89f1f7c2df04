package dev.iotspring.test.mqtt;

import java.time.Instant;
import java.util.List;

/**
 * A SUBSCRIBE the {@link EmbeddedMqttBroker} received from a client.
 *
 * @param clientId who sent it
 * @param filters topic filters in packet order
 * @param qos requested QoS per filter, same order
 * @param receivedAt when the broker received it
 */
public record RecordedSubscribe(String clientId, List<String> filters, List<Integer> qos, Instant receivedAt) {

    public RecordedSubscribe {
        filters = List.copyOf(filters);
        qos = List.copyOf(qos);
    }
}
