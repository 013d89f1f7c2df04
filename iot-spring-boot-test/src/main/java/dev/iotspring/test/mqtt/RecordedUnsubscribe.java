package dev.iotspring.test.mqtt;

import java.time.Instant;
import java.util.List;

/**
 * An UNSUBSCRIBE the {@link EmbeddedMqttBroker} received from a client.
 *
 * @param clientId who sent it
 * @param filters topic filters in packet order
 * @param receivedAt when the broker received it
 */
public record RecordedUnsubscribe(String clientId, List<String> filters, Instant receivedAt) {

    public RecordedUnsubscribe {
        filters = List.copyOf(filters);
    }
}
