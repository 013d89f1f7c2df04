package dev.iotspring.stellanow;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.core.delivery.DeliveryClosedException;
import dev.iotspring.core.delivery.DeliveryListener;
import dev.iotspring.core.delivery.DeliveryStats;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttConnectionListener;
import dev.iotspring.core.observation.IotObservations;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.QueueFullException;

/**
 * Sends events to StellaNow. Every event is encoded into the platform's envelope, accepted into the queue and
 * published to {@code in/{organizationId}} with QoS 1 by the dispatcher; it leaves the queue, and the returned
 * future completes, only when the broker acknowledged it (PUBACK). While the broker is unreachable events
 * queue; after a reconnect they go out in queue order.
 *
 * <pre>{@code
 * StellaNowMessage m = StellaNowMessage.builder("store_receipt")
 *         .entity("patron", "patron-42")
 *         .payload(receipt)
 *         .build();
 * stellaNowTemplate.send(m).thenAccept((result) -> log.info("sent {}", result.messageId()));
 * }</pre>
 *
 * Connection changes and failed or dropped events are published as Spring application events
 * ({@link dev.iotspring.core.event.IotConnectionStateChangedEvent}, {@link dev.iotspring.core.event.IotMessageFailedEvent},
 * {@link dev.iotspring.core.event.IotMessageDroppedEvent}, platform {@code stellanow}) by the auto-configuration.
 *
 * <p>Thread-safe. The dispatcher and the connection are Spring lifecycle beans; the template needs no lifecycle.
 */
public class StellaNowTemplate implements StellaNowOperations {

    private static final Logger logger = LoggerFactory.getLogger(StellaNowTemplate.class);

    /** What an acknowledged message's future completes with; one instance (see Dispatcher#sendAsync). */
    private static final Function<OutboundMessage, SendResult> SEND_RESULT = StellaNowTemplate::sendResult;

    private final StellaNowEnvelopeCodec codec;

    private final Dispatcher dispatcher;

    private final MqttConnection connection;

    private final List<StellaNowDeliveryCallback> callbacks;

    private IotObservations observations = IotObservations.disabled();

    /**
     * @param codec encodes messages (organization, project, payload mapper)
     * @param dispatcher moves queued messages to the connection; its queue decides order and overflow
     * @param connection the MQTT connection the dispatcher's sender publishes on
     */
    public StellaNowTemplate(StellaNowEnvelopeCodec codec, Dispatcher dispatcher, MqttConnection connection) {
        this(codec, dispatcher, connection, List.of());
    }

    /**
     * @param codec encodes messages (organization, project, payload mapper)
     * @param dispatcher moves queued messages to the connection; its queue decides order and overflow
     * @param connection the MQTT connection the dispatcher's sender publishes on
     * @param callbacks told about every acknowledgement, in this order
     */
    public StellaNowTemplate(StellaNowEnvelopeCodec codec, Dispatcher dispatcher, MqttConnection connection,
            List<StellaNowDeliveryCallback> callbacks) {
        this.codec = Objects.requireNonNull(codec, "codec");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.callbacks = List.copyOf(callbacks);
        if (!this.callbacks.isEmpty()) {
            dispatcher.addListener(new Acknowledgements());
        }
        connection.addConnectionListener(new MqttConnectionListener() {
            @Override
            public void connected(boolean sessionPresent) {
                // Queued events go out at once instead of at the dispatcher's next readiness check.
                dispatcher.wakeUp();
            }
        });
    }

    /** Observes each send when {@code iot.stellanow.observation-enabled} (set by the auto-configuration). */
    public void setObservations(IotObservations observations) {
        this.observations = Objects.requireNonNull(observations, "observations");
    }

    /**
     * Queues the message for sending. A message keeps its id: sending the same instance again while it is pending
     * queues it twice under one id (the platform can deduplicate by {@code messageId}); build a new message for a
     * new event.
     * @return completes with the broker's acknowledgement (PUBACK); fails with
     *     {@link dev.iotspring.core.delivery.MessageDroppedException} when the queue's overflow rule later drops it,
     *     or {@link DeliveryClosedException} when the application stops before an in-memory queue could send it
     * @throws QueueFullException when the queue is full and its overflow rule is raise-exception
     * @throws DeliveryClosedException once shutdown started draining
     * @throws StellaNowValidationException (an IllegalArgumentException naming the field) when the payload cannot be
     *     serialized
     */
    @Override
    public CompletableFuture<SendResult> send(StellaNowMessage message) {
        Objects.requireNonNull(message, "message");
        return this.observations.send("event-type", message.eventTypeDefinitionId(), message.messageId(),
                () -> sendUnobserved(message));
    }

    private CompletableFuture<SendResult> sendUnobserved(StellaNowMessage message) {
        byte[] envelope = this.codec.encode(message);
        OutboundMessage outbound = new OutboundMessage(message.messageId(), this.codec.topic(), envelope, 1, false,
                Instant.now());
        // Refused before it was queued (full, closed): thrown at once, on the caller's thread. The future is the
        // dispatcher's own, completed with the result: a queued event keeps no payload object and no extra stage.
        return this.dispatcher.acceptAsync(outbound, SEND_RESULT);
    }

    /**
     * Queues a typed event (a {@link StellaNowEvent} type) or a {@link StellaNowMessage}.
     * @see #send(StellaNowMessage)
     */
    @Override
    public CompletableFuture<SendResult> send(Object event) {
        Objects.requireNonNull(event, "event");
        if (event instanceof StellaNowMessage message) {
            return send(message);
        }
        return send(this.codec.toMessage(event));
    }

    @Override
    public int pendingMessages() {
        return this.dispatcher.getQueue().size();
    }

    @Override
    public long droppedMessages() {
        return this.dispatcher.getQueue().droppedCount();
    }

    @Override
    public boolean isConnected() {
        return this.connection.isConnected();
    }

    @Override
    public boolean flush(Duration timeout) {
        return this.dispatcher.flush(timeout);
    }

    /** Delivery counters (sent, failed, dropped, lost, in flight, last acknowledgement). */
    public DeliveryStats stats() {
        return this.dispatcher.stats();
    }

    /** The MQTT topic events go to. */
    public String topic() {
        return this.codec.topic();
    }

    public MqttConnection connection() {
        return this.connection;
    }

    private final class Acknowledgements implements DeliveryListener {

        @Override
        public void onAcked(OutboundMessage message) {
            SendResult result = sendResult(message);
            for (StellaNowDeliveryCallback callback : StellaNowTemplate.this.callbacks) {
                try {
                    callback.acknowledged(result);
                }
                catch (RuntimeException ex) {
                    logger.warn("A StellaNow delivery callback failed for message {}", message.id(), ex);
                }
            }
        }
    }

    private static SendResult sendResult(OutboundMessage acknowledged) {
        return new SendResult(acknowledged.id(), acknowledged.destination(), acknowledged.createdAt(), Instant.now());
    }

    @Override
    public String toString() {
        return "StellaNowTemplate[topic=" + this.codec.topic() + ", " + this.dispatcher + "]";
    }
}
