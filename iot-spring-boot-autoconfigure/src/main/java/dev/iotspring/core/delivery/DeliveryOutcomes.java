package dev.iotspring.core.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.QueuedMessage;

/**
 * What a {@link Dispatcher} does with the sender's outcomes, on the dispatcher's thread: acknowledged and
 * rejected messages leave the queue and are reported; a transient failure sends the failed message and those
 * after it back to their places and pauses sending ({@link RetryPause}); expired messages are discarded before
 * they are sent. Counts what it settled, for stats and health.
 */
final class DeliveryOutcomes {

    private static final Logger logger = LoggerFactory.getLogger(Dispatcher.class);

    private final String platform;

    private final OutboundQueue queue;

    private final InFlightWindow window;

    private final RetryPause pause;

    private final DeliveryNotifier notifier;

    private final QueueDrain drain;

    private final Predicate<Throwable> permanentFailure;

    private final Predicate<Throwable> connectionLoss;

    private final int poisonThreshold;

    /** The oldest in-flight message the connection was lost under, -1 for none; dispatcher thread only. */
    private long suspectSequence = -1;

    /** Consecutive connection losses under {@link #suspectSequence} with nothing acknowledged in between. */
    private int suspectLosses;

    private final AtomicLong sent = new AtomicLong();

    private final AtomicLong failed = new AtomicLong();

    private final AtomicLong retries = new AtomicLong();

    private final AtomicLong expired = new AtomicLong();

    private volatile @Nullable Instant lastAck;

    DeliveryOutcomes(String platform, OutboundQueue queue, InFlightWindow window, RetryPause pause,
            DeliveryNotifier notifier, QueueDrain drain, Predicate<Throwable> permanentFailure,
            Predicate<Throwable> connectionLoss, int poisonThreshold) {
        this.platform = platform;
        this.queue = queue;
        this.window = window;
        this.pause = pause;
        this.notifier = notifier;
        this.drain = drain;
        this.permanentFailure = permanentFailure;
        this.connectionLoss = connectionLoss;
        this.poisonThreshold = poisonThreshold;
    }

    long sent() {
        return this.sent.get();
    }

    long failed() {
        return this.failed.get();
    }

    long retries() {
        return this.retries.get();
    }

    long expired() {
        return this.expired.get();
    }

    @Nullable Instant lastAck() {
        return this.lastAck;
    }

    List<QueuedMessage> discardExpired(List<QueuedMessage> batch) {
        Instant now = Instant.now();
        List<QueuedMessage> live = new ArrayList<>(batch.size());
        List<QueuedMessage> dead = new ArrayList<>(0);
        for (QueuedMessage queued : batch) {
            boolean isExpired;
            try {
                isExpired = queued.message().isExpired(now);
            }
            catch (RuntimeException ex) {
                isExpired = false; // an unreadable expiry never loses a message
            }
            (isExpired ? dead : live).add(queued);
        }
        if (dead.isEmpty()) {
            return batch;
        }
        this.queue.ack(dead);
        this.expired.addAndGet(dead.size());
        logger.info("Discarded {} expired messages for {}", dead.size(), this.platform);
        for (QueuedMessage q : dead) {
            MessageDroppedException cause = new MessageDroppedException(q.message().id(), "it expired before it "
                    + "could be sent");
            this.notifier.failed(q.message(), cause);
        }
        this.drain.signalIfDrained();
        return live;
    }

    /** Settles the outcomes the sender reported since the last call. */
    void settle() {
        InFlightWindow.Outcomes outcomes = this.window.collect(this.permanentFailure, this.connectionLoss);
        if (outcomes == null) {
            return;
        }
        if (outcomes.anyDone()) {
            List<QueuedMessage> done = new ArrayList<>(outcomes.acked());
            outcomes.rejected().forEach(r -> done.add(r.queued()));
            try {
                this.queue.ack(done);
            }
            catch (RuntimeException ex) {
                // Stays in flight for this run; a durable queue sends it again after a restart (at least once).
                logger.warn("Could not remove {} acknowledged messages from the {} queue: {}", done.size(),
                        this.platform, ex.toString());
            }
        }
        if (!outcomes.acked().isEmpty()) {
            // Something got through: the connection is not refusing what it was given.
            this.suspectSequence = -1;
            this.suspectLosses = 0;
            this.sent.addAndGet(outcomes.acked().size());
            this.lastAck = Instant.now();
            this.pause.succeeded();
            for (QueuedMessage a : outcomes.acked()) {
                this.notifier.acked(a.message());
            }
        }
        for (InFlightWindow.Rejected r : outcomes.rejected()) {
            this.failed.incrementAndGet();
            OutboundMessage message = r.queued().message();
            logger.warn("The {} server rejected message {}: {}", this.platform, message.id(), r.error().getMessage());
            this.notifier.failed(message, r.error());
        }
        if (outcomes.transientError() != null) {
            List<QueuedMessage> requeue = outcomes.requeue();
            QueuedMessage poison = poison(outcomes.lostOldest());
            if (poison != null) {
                requeue = new ArrayList<>(requeue);
                requeue.remove(poison);
                rejectPoison(poison);
            }
            transientFailure(requeue, outcomes.transientError());
        }
        if (outcomes.anyDone()) {
            this.drain.signalIfDrained();
        }
    }

    /**
     * Counts a connection loss under the oldest message in flight; returns it once that happened
     * {@code poisonThreshold} times in a row with nothing acknowledged in between (null otherwise).
     */
    private @Nullable QueuedMessage poison(@Nullable QueuedMessage lostOldest) {
        if (lostOldest == null || this.poisonThreshold <= 0) {
            return null;
        }
        if (lostOldest.sequence() == this.suspectSequence) {
            this.suspectLosses++;
        }
        else {
            this.suspectSequence = lostOldest.sequence();
            this.suspectLosses = 1;
        }
        if (this.suspectLosses < this.poisonThreshold) {
            return null;
        }
        this.suspectSequence = -1;
        this.suspectLosses = 0;
        return lostOldest;
    }

    private void rejectPoison(QueuedMessage poison) {
        OutboundMessage message = poison.message();
        this.queue.ack(List.of(poison));
        this.failed.incrementAndGet();
        logger.warn("The {} connection was lost {} times in a row while message {} was the oldest unacknowledged "
                + "one, with nothing acknowledged: taken as refused by the server, not sent again", this.platform,
                this.poisonThreshold, message.id());
        this.notifier.failed(message, new MessageRejectedException("The " + this.platform + " server closed the "
                + "connection " + this.poisonThreshold + " times in a row while message " + message.id()
                + " was the oldest unacknowledged one and acknowledged nothing: it is taken as refused (an MQTT "
                + "3.1.1 broker refuses a publish, e.g. to a topic the client may not publish to, by closing the "
                + "connection) and is not sent again"));
        this.drain.signalIfDrained();
    }

    void transientFailure(List<QueuedMessage> requeue, Throwable error) {
        if (!requeue.isEmpty()) {
            this.queue.requeue(requeue);
            this.retries.incrementAndGet();
        }
        Duration delay = this.pause.failed(System.nanoTime());
        // Expected while a connection is down: one line, no stack trace.
        logger.info("Sending to {} failed ({}); {} messages back in the queue, retrying in {} ms", this.platform,
                error.toString(), requeue.size(), delay.toMillis());
    }
}
