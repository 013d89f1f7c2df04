package dev.iotspring.stellanow;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * What an application does with StellaNow: send events and ask how delivery goes. {@link StellaNowTemplate} is the
 * implementation the auto-configuration provides; a bean of this type in the application (a stub in a test, for
 * example) replaces it.
 *
 * <p>Errors the caller can fix are thrown at once and nothing is queued:
 * {@link dev.iotspring.core.queue.QueueFullException} (a full queue whose overflow rule is raise-exception),
 * {@link dev.iotspring.core.delivery.DeliveryClosedException} (the application is shutting down) and an
 * {@link IllegalArgumentException} naming the field for an invalid event. What happens after the event was
 * accepted fails the returned future: {@link dev.iotspring.core.delivery.MessageDroppedException} when the
 * overflow rule later drops it, {@link dev.iotspring.core.delivery.DeliveryClosedException} when the application
 * stopped before an in-memory queue could send it.
 */
public interface StellaNowOperations {

    /**
     * Queues the message for {@code in/{organizationId}} (QoS 1).
     * @return completes with the broker's acknowledgement (PUBACK)
     */
    CompletableFuture<SendResult> send(StellaNowMessage message);

    /**
     * Queues a typed event (a {@link StellaNowEvent} type) or a {@link StellaNowMessage}.
     * @see #send(StellaNowMessage)
     */
    CompletableFuture<SendResult> send(Object event);

    /** Whether the MQTT connection to the broker is up. */
    boolean isConnected();

    /** Events accepted and not yet acknowledged by the broker (queued plus in flight). */
    int pendingMessages();

    /** Events the queue's overflow rule discarded since the queue was created or opened. */
    long droppedMessages();

    /**
     * Waits until every accepted event was acknowledged, or the timeout passed.
     * @return true when nothing is pending any more; false on timeout or when the waiting thread was interrupted
     *     (its interrupt flag is then set again)
     */
    boolean flush(Duration timeout);
}
