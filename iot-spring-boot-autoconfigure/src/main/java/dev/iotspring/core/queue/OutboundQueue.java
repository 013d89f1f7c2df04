package dev.iotspring.core.queue;

import java.util.Collection;
import java.util.List;

/**
 * Messages accepted for sending and not yet acknowledged by the broker or server.
 *
 * <p>A message moves through three states: <em>queued</em> (accepted by {@link #offer}), <em>in flight</em>
 * (handed out by {@link #poll}, invisible to further polls) and gone (after {@link #ack}). A failed in-flight
 * message goes back with {@link #requeue} to its original place, not to the back. Implementations are
 * thread-safe.
 */
public interface OutboundQueue extends AutoCloseable {

    /**
     * Accepts a message, applying the queue's overflow rule when it is full.
     * @throws QueueFullException when the queue is full and its rule is to refuse
     */
    void offer(OutboundMessage message);

    /** Accepts several messages at once (one transaction for a durable queue), in order. */
    default void offerAll(List<OutboundMessage> messages) {
        messages.forEach(this::offer);
    }

    /** Takes up to {@code max} queued messages, in delivery order, and marks them in flight. */
    List<QueuedMessage> poll(int max);

    /** Forgets messages the broker acknowledged. */
    void ack(Collection<QueuedMessage> messages);

    /** Puts in-flight messages back to where they were taken from. */
    void requeue(Collection<QueuedMessage> messages);

    /** Messages accepted and not acknowledged yet: queued plus in flight. */
    int size();

    /** Messages discarded by the overflow rule since the queue was created or opened. */
    long droppedCount();

    /** Whether the queue keeps its content across a restart of the application. */
    boolean isDurable();

    /**
     * Registers a listener told about every message the overflow rule discards (DROP_OLDEST, DROP_NEWEST), so
     * a send future waiting for it can complete. Queues without an overflow rule ignore it.
     */
    default void addDropListener(DropListener listener) {
    }

    /**
     * Registers a listener told when messages became available other than by an {@link #offer} returning, e.g.
     * when an application's transaction that wrote to a durable queue committed. The dispatcher wakes up on it.
     */
    default void addArrivalListener(Runnable listener) {
    }

    @Override
    default void close() {
    }
}
