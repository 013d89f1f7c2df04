package dev.iotspring.core.delivery;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.QueuedMessage;

/**
 * The end of a {@link Dispatcher}'s drain and waiting for an empty queue: what is unacknowledged goes back to
 * the queue; a durable queue keeps what is left for the next start, an in-memory queue reports it lost (logged
 * with the count, each message failed to listeners and futures); futures still pending fail with
 * {@link DeliveryClosedException}.
 */
final class QueueDrain {

    private static final Logger logger = LoggerFactory.getLogger(Dispatcher.class);

    private final String platform;

    private final OutboundQueue queue;

    private final DeliveryNotifier notifier;

    private final Duration drainTimeout;

    private final AtomicLong lost = new AtomicLong();

    private final Object drainedMonitor = new Object();

    QueueDrain(String platform, OutboundQueue queue, DeliveryNotifier notifier, Duration drainTimeout) {
        this.platform = platform;
        this.queue = queue;
        this.notifier = notifier;
        this.drainTimeout = drainTimeout;
    }

    /** Messages an in-memory queue still held when a drain ended. */
    long lost() {
        return this.lost.get();
    }

    /** See {@link Dispatcher#awaitDrained(Duration)}. */
    boolean awaitDrained(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this.drainedMonitor) {
            while (this.queue.size() > 0) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                // Woken on every acknowledgement; the slice also covers drops that empty the queue.
                TimeUnit.NANOSECONDS.timedWait(this.drainedMonitor, Math.min(remaining, 100_000_000L));
            }
            return true;
        }
    }

    /** Wakes {@link #awaitDrained} callers when the queue is empty. */
    void signalIfDrained() {
        if (this.queue.size() == 0) {
            synchronized (this.drainedMonitor) {
                this.drainedMonitor.notifyAll();
            }
        }
    }

    /** The drain ended (or the dispatcher stopped before it started): settles what is left. */
    void finish(InFlightWindow window) {
        if (!window.isEmpty()) {
            List<QueuedMessage> unacked = window.removeAll();
            try {
                this.queue.requeue(unacked);
            }
            catch (RuntimeException ex) {
                logger.warn("Could not return {} unacknowledged messages to the {} queue: {}", unacked.size(),
                        this.platform, ex.toString());
            }
        }
        releaseLeftovers();
        if (this.notifier.hasPendingFutures()) {
            // What is still pending stays in a durable queue: its futures cannot complete in this run.
            this.notifier.failPendingFutures(new DeliveryClosedException("The application stopped before the "
                    + "message was acknowledged; " + (this.queue.isDurable() ? "it stays in the durable queue and "
                            + "is sent after the next start" : "it was lost")));
        }
    }

    /** Reports what the drain left behind: kept for the next start, or lost with an in-memory queue. */
    private void releaseLeftovers() {
        int left;
        try {
            left = this.queue.size();
        }
        catch (RuntimeException ex) {
            logger.warn("Could not count what is left in the {} queue: {}", this.platform, ex.toString());
            return;
        }
        if (left == 0) {
            logger.debug("The {} queue is drained", this.platform);
            return;
        }
        if (this.queue.isDurable()) {
            logger.info("{} messages for {} were not sent before shutdown; they stay in the store for the next start",
                    left, this.platform);
            return;
        }
        List<QueuedMessage> remaining = this.queue.poll(Integer.MAX_VALUE);
        this.queue.ack(remaining);
        this.lost.addAndGet(remaining.size());
        logger.warn("Lost {} messages for {}: the in-memory queue was not drained within {}", remaining.size(),
                this.platform, this.drainTimeout);
        DeliveryClosedException cause = new DeliveryClosedException(
                "The application stopped before the message could be sent to " + this.platform);
        for (QueuedMessage q : remaining) {
            this.notifier.failed(q.message(), cause);
        }
    }
}
