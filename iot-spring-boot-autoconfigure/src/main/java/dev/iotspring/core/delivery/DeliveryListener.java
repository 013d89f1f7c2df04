package dev.iotspring.core.delivery;

import dev.iotspring.core.queue.OutboundMessage;

/**
 * Per-message outcome of a {@link Dispatcher}, so a template can complete the future it returned to the caller.
 * {@link #onAcked} and {@link #onFailed} run on the thread that settles the outcome, holding the dispatcher's
 * turn: usually the client library's thread that reported the acknowledgement (an MQTT client's callback thread),
 * or an application thread that was sending, or the dispatcher's own thread (during retry pauses and drains, and
 * always for a durable queue with a window above one and for senders whose futures complete on a shared event
 * loop, see {@link MessageSender#settlesOnCompletingThread()}). {@link #onDropped} runs on the
 * thread whose offer made the queue drop the message. Keep them short and never block (complete a future, count,
 * log): a blocked callback holds up delivery and may hold up the client library's thread. Sending from a
 * callback is fine; that message is dispatched after the callback returns.
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
