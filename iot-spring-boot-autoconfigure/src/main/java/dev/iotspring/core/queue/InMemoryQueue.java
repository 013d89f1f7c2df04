package dev.iotspring.core.queue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded or unbounded queue in memory, FIFO or LIFO, with the overflow rules of the StellaNow SDKs.
 *
 * <p>Queued messages are kept by sequence (the order they were accepted), so FIFO takes the lowest sequence, LIFO
 * the highest, {@link OverflowStrategy#DROP_OLDEST} removes the lowest (the first-inserted, for FIFO and LIFO
 * alike), and {@link #requeue} puts a message back exactly where it was. New messages go to the end of a ring of
 * sequences ({@code SequenceRing}, 12 bytes a message beside the message itself); a requeued message goes back to
 * the front of it when that is its place (FIFO's case), or else to a small sorted map (LIFO's; at most the
 * in-flight window). Every operation is O(1), O(log n) in the map, under one lock.
 *
 * <p>The bound applies to <em>queued</em> messages, not to those in flight: a message handed out by
 * {@link #poll} has left the queue as far as overflow is concerned (as in the SDKs, where a dequeued message is
 * held by the send loop) and cannot be dropped any more; the dispatcher's in-flight window bounds those.
 * {@link #size()} counts both, because both are still undelivered. A requeued message is never dropped to make
 * room for itself: it was accepted already.
 */
public class InMemoryQueue implements OutboundQueue {

    /** Largest accepted {@code maxSize}, as in the StellaNow Python SDK. */
    public static final int MAX_SIZE_LIMIT = OverflowPolicy.MAX_SIZE_LIMIT;

    private static final Logger logger = LoggerFactory.getLogger(InMemoryQueue.class);

    private final QueueOrder order;

    private final OverflowPolicy overflow;

    /** Queued messages in sequence order: new ones at the end, requeued ones at the front. */
    private final SequenceRing queued = new SequenceRing();

    /** Requeued messages whose place is between two in {@link #queued}. */
    private final TreeMap<Long, QueuedMessage> requeued = new TreeMap<>();

    private final Map<Long, QueuedMessage> inFlight = new HashMap<>();

    private final DropListeners dropListeners = new DropListeners(InMemoryQueue.class);

    private final OverflowLog overflowLog = new OverflowLog(logger, "Queue");

    private long nextSequence;

    private long dropped;

    /**
     * @param order which message goes first
     * @param maxSize most messages queued at once, 0 for no bound; 0 to {@value #MAX_SIZE_LIMIT}
     * @param overflow what a full queue does with a new message
     */
    public InMemoryQueue(QueueOrder order, int maxSize, OverflowStrategy overflow) {
        this.order = Objects.requireNonNull(order, "order");
        this.overflow = new OverflowPolicy(maxSize, overflow);
    }

    /** An unbounded FIFO queue. */
    public static InMemoryQueue fifo() {
        return new InMemoryQueue(QueueOrder.FIFO, 0, OverflowStrategy.RAISE_EXCEPTION);
    }

    @Override
    public void offer(OutboundMessage message) {
        Objects.requireNonNull(message, "message");
        OutboundMessage droppedMessage;
        synchronized (this) {
            droppedMessage = offerLocked(message);
        }
        notifyDropped(droppedMessage);
    }

    @Override
    public void offerAll(List<OutboundMessage> messages) {
        List<OutboundMessage> droppedMessages = new ArrayList<>(0);
        RuntimeException failure = null;
        synchronized (this) {
            for (OutboundMessage message : messages) {
                try {
                    OutboundMessage d = offerLocked(Objects.requireNonNull(message, "message"));
                    if (d != null) {
                        droppedMessages.add(d);
                    }
                }
                catch (QueueFullException ex) {
                    // The messages before it stay accepted; the rest is refused like this one.
                    failure = ex;
                    break;
                }
            }
        }
        droppedMessages.forEach(this::notifyDropped);
        if (failure != null) {
            throw failure;
        }
    }

    /** Returns the message the overflow rule discarded, if any. */
    private OutboundMessage offerLocked(OutboundMessage message) {
        OutboundMessage droppedMessage = null;
        if (this.overflow.isFull(queuedSize())) {
            switch (this.overflow.strategy()) {
                case RAISE_EXCEPTION -> throw new QueueFullException(size(), this.dropped, message.id());
                case DROP_NEWEST -> {
                    this.dropped++;
                    this.overflowLog.dropped("new", this.overflow, message.id(), this.dropped);
                    return message;
                }
                case DROP_OLDEST -> {
                    droppedMessage = takeFirst().message();
                    this.dropped++;
                    this.overflowLog.dropped("oldest", this.overflow, droppedMessage.id(), this.dropped);
                }
            }
        }
        this.queued.addLast(this.nextSequence++, message);
        return droppedMessage;
    }

    private void notifyDropped(OutboundMessage message) {
        if (message != null) {
            this.dropListeners.dropped(message);
        }
    }

    @Override
    public synchronized List<QueuedMessage> poll(int max) {
        int available = queuedSize();
        if (max <= 0 || available == 0) {
            return List.of();
        }
        List<QueuedMessage> taken = new ArrayList<>(Math.min(max, available));
        while (taken.size() < max && queuedSize() > 0) {
            QueuedMessage next = (this.order == QueueOrder.FIFO) ? takeFirst() : takeLast();
            this.inFlight.put(next.sequence(), next);
            taken.add(next);
        }
        return taken;
    }

    @Override
    public synchronized void ack(Collection<QueuedMessage> messages) {
        for (QueuedMessage message : messages) {
            this.inFlight.remove(message.sequence());
        }
    }

    @Override
    public synchronized void requeue(Collection<QueuedMessage> messages) {
        List<QueuedMessage> held = new ArrayList<>(messages.size());
        for (QueuedMessage message : messages) {
            // Only what is in flight goes back: a stale requeue of an acknowledged message is ignored.
            QueuedMessage h = this.inFlight.remove(message.sequence());
            if (h != null) {
                held.add(h);
            }
        }
        held.sort(Comparator.comparingLong(QueuedMessage::sequence));
        // Highest first: each one that sorts before the ring's first goes in front of it (FIFO's usual case).
        for (int i = held.size() - 1; i >= 0; i--) {
            QueuedMessage h = held.get(i);
            if (this.queued.isEmpty() || h.sequence() < this.queued.firstSequence()) {
                this.queued.addFirst(h.sequence(), h.message());
            }
            else {
                this.requeued.put(h.sequence(), h);
            }
        }
    }

    /** Removes and returns the queued message with the lowest sequence; the queue is not empty. */
    private QueuedMessage takeFirst() {
        if (this.requeued.isEmpty()
                || (!this.queued.isEmpty() && this.queued.firstSequence() < this.requeued.firstKey())) {
            return this.queued.removeFirst();
        }
        return this.requeued.pollFirstEntry().getValue();
    }

    /** Removes and returns the queued message with the highest sequence; the queue is not empty. */
    private QueuedMessage takeLast() {
        if (this.requeued.isEmpty()
                || (!this.queued.isEmpty() && this.queued.lastSequence() > this.requeued.lastKey())) {
            return this.queued.removeLast();
        }
        return this.requeued.pollLastEntry().getValue();
    }

    private int queuedSize() {
        return this.queued.size() + this.requeued.size();
    }

    @Override
    public synchronized int size() {
        return queuedSize() + this.inFlight.size();
    }

    /** Messages waiting to be polled (not in flight). */
    public synchronized int queuedCount() {
        return queuedSize();
    }

    @Override
    public synchronized long droppedCount() {
        return this.dropped;
    }

    @Override
    public boolean isDurable() {
        return false;
    }

    @Override
    public void addDropListener(DropListener listener) {
        this.dropListeners.add(listener);
    }

    public QueueOrder getOrder() {
        return this.order;
    }

    public int getMaxSize() {
        return this.overflow.maxSize();
    }

    public OverflowStrategy getOverflow() {
        return this.overflow.strategy();
    }

    @Override
    public String toString() {
        return "InMemoryQueue[" + this.order + ", maxSize=" + getMaxSize() + ", overflow=" + getOverflow() + "]";
    }
}
