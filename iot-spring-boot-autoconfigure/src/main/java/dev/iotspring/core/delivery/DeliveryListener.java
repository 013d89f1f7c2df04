package dev.iotspring.core.delivery;

import dev.iotspring.core.queue.OutboundMessage;

/**
 * Per-message outcome of a {@link Dispatcher}, so a template can complete the future it returned to the caller.
 * {@link #onAcked} and {@link #onFailed} run on the dispatcher's thread, {@link #onDropped} on the thread whose
 * offer made the queue drop the message: keep them short and never block (complete a future, count, log).
 */
public interface DeliveryListener {

    /** The broker or server acknowledged the message; it has left the queue. */
    default void onAcked(OutboundMessage message) {
    }

    /**
     * The message will not be delivered: the server rejected it ({@link MessageRejectedException}), its expiry
     * passed ({@link MessageDroppedException}) or the application stopped before an in-memory queue could send
     * it ({@link DeliveryClosedException}).
     */
    default void onFailed(OutboundMessage message, Throwable cause) {
    }

    /** The queue's overflow rule discarded the message. */
    default void onDropped(OutboundMessage message) {
    }
}
