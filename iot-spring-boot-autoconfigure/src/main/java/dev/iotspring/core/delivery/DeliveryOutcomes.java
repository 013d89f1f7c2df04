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
 * What a {@link Dispatcher} does with the sender's outcomes, under the dispatcher's turn (on whichever thread
 * holds it: the one that reported an outcome, one that queued a message, or the dispatcher's): acknowledged and
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

    private final PoisonMessageRule poison;

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
        this.poison = new PoisonMessageRule(poisonThreshold);
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
        if (noExpiry(batch)) {
            return batch; // the usual case, once per dispatch: no clock read, no lists
        }
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

    private static boolean noExpiry(List<QueuedMessage> batch) {
        for (int i = 0; i < batch.size(); i++) {
            if (batch.get(i).message().headers().containsKey(OutboundMessage.HEADER_EXPIRES_AT)) {
                return false;
            }
        }
        return true;
    }

    /** Settles the outcomes the sender reported since the last call. */
    void settle() {
        InFlightWindow.Outcomes outcomes = this.window.collect(this.permanentFailure, this.connectionLoss);
        if (outcomes == null) {
            return;
        }
        List<QueuedMessage> requeue = outcomes.requeue();
        QueuedMessage refused = null;
        if (this.poison.isProbing()) {
            if (this.poison.probeAcknowledged(outcomes.acked())) {
                refused = this.poison.endProbe();
            }
            else if (outcomes.transientError() != null || !outcomes.rejected().isEmpty()) {
                // The probe did not get through either: not this message's fault. Both go back, nothing is lost.
                requeue = new ArrayList<>(requeue);
                requeue.add(this.poison.endProbe());
            }
        }
        else {
            if (!outcomes.acked().isEmpty()) {
                this.poison.acknowledged();
            }
            if (outcomes.transientError() != null && outcomes.lostOldest() != null) {
                this.poison.lostUnder(outcomes.lostOldest());
            }
        }
        if (outcomes.anyDone() || refused != null) {
            List<QueuedMessage> done = outcomes.acked();
            if (!outcomes.rejected().isEmpty() || refused != null) {
                done = new ArrayList<>(done);
                for (InFlightWindow.Rejected r : outcomes.rejected()) {
                    done.add(r.queued());
                }
                if (refused != null) {
                    done.add(refused);
                }
            }
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
        if (refused != null) {
            rejectRefused(refused);
        }
        if (outcomes.transientError() != null) {
            transientFailure(requeue, outcomes.transientError());
        }
        else if (requeue != outcomes.requeue()) {
            this.queue.requeue(requeue);
        }
        if (outcomes.anyDone() || refused != null) {
            this.drain.signalIfDrained();
        }
    }

    /** See {@link PoisonMessageRule}: whether the next dispatch is a probe. */
    boolean probeDue() {
        return this.poison.probeDue();
    }

    boolean isProbing() {
        return this.poison.isProbing();
    }

    List<QueuedMessage> startProbe(List<QueuedMessage> batch) {
        return this.poison.startProbe(batch);
    }

    /** The dispatcher stops: a message held back by a probe goes back to the queue. */
    void releaseHeld() {
        QueuedMessage held = this.poison.release();
        if (held != null) {
            this.queue.requeue(List.of(held));
        }
    }

    private void rejectRefused(QueuedMessage refused) {
        OutboundMessage message = refused.message();
        this.failed.incrementAndGet();
        int times = this.poison.threshold();
        logger.warn("The {} connection was lost {} times in a row under message {} while the message after it "
                + "went through: taken as refused by the server, not sent again", this.platform, times,
                message.id());
        this.notifier.failed(message, new MessageRejectedException("The " + this.platform + " server closed the "
                + "connection " + times + " times in a row while message " + message.id() + " was the oldest "
                + "unacknowledged one, and acknowledged the message after it: it is taken as refused (an MQTT 3.1.1 "
                + "broker refuses a publish, e.g. to a topic the client may not publish to, by closing the "
                + "connection) and is not sent again"));
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
