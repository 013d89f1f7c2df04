package dev.iotspring.core.mqtt;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import dev.iotspring.core.delivery.MessageSender;
import dev.iotspring.core.queue.OutboundMessage;

/**
 * Sends queued messages over a {@link MqttConnection}: topic = the message's destination, QoS and retain as
 * the message says. Ready while the connection is connected; the future completes on the broker's
 * acknowledgement. Connection losses under a publish count for the dispatcher's poison-message rule.
 */
public final class MqttMessageSender implements MessageSender {

    private final MqttConnection connection;

    public MqttMessageSender(MqttConnection connection) {
        this.connection = Objects.requireNonNull(connection, "connection");
    }

    @Override
    public CompletableFuture<Void> send(OutboundMessage message) {
        return this.connection.publish(message.destination(), message.payload(), message.qos(), message.retain());
    }

    @Override
    public boolean isReady() {
        return this.connection.isConnected();
    }

    /**
     * A publish the connection went down under: with MQTT 3.1.1 also how a broker refuses a publish (no negative
     * PUBACK), which the dispatcher's poison-message rule tells apart by repetition.
     */
    @Override
    public boolean isConnectionLoss(Throwable failure) {
        return failure instanceof MqttConnectionLostException;
    }

    public MqttConnection connection() {
        return this.connection;
    }
}
