package dev.iotspring.stellanow;

import org.jspecify.annotations.Nullable;

/**
 * Told what happens to the connection and to every message. Called on the connection's or the dispatcher's
 * thread: return quickly and never block. Beans of this type are registered with the auto-configured
 * {@link StellaNowTemplate}.
 */
public interface StellaNowListener {

    /** The broker accepted the CONNECT; queued events flow. */
    default void onConnected() {
    }

    /**
     * The connection went down or a connect attempt failed; events keep queueing.
     * @param cause what happened
     * @param willRetry false when the client gave up (credentials rejected for good) or stops
     */
    default void onDisconnected(@Nullable Throwable cause, boolean willRetry) {
    }

    /** The broker acknowledged a message (PUBACK); it left the queue. */
    default void onAcknowledged(SendResult result) {
    }

    /**
     * A message will not be delivered: the queue's overflow rule dropped it
     * ({@link dev.iotspring.core.delivery.MessageDroppedException}) or the application stopped before an in-memory queue sent it.
     */
    default void onFailed(String messageId, Throwable cause) {
    }
}
