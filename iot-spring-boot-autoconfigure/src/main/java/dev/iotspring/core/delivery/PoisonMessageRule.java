package dev.iotspring.core.delivery;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.queue.QueuedMessage;

/**
 * A {@link Dispatcher}'s poison-message rule, under the dispatcher's turn (a probe's turns are the dispatcher
 * thread's). An MQTT 3.1.1 broker refuses a publish by closing the connection, which looks like any outage;
 * retried on every reconnect, the refused message would stall its queue forever. So:
 * <ol>
 * <li>Connection losses are counted while the same message is the oldest in flight and nothing is acknowledged
 * (any acknowledgement starts the count again).</li>
 * <li>After {@code threshold} of them the next dispatch is a <em>probe</em>: that message is held back and only
 * the one after it is sent, nothing else.</li>
 * <li>Probe acknowledged: the broker takes other messages and refuses the held one, which fails with
 * {@link MessageRejectedException}. Probe failed too: the broker refuses everything for now (an authorisation or
 * broker outage), both go back to their places, nothing is lost, and the count starts again.</li>
 * </ol>
 * A suspect that is the only message queued cannot be probed; it is retried until another message arrives.
 */
final class PoisonMessageRule {

    private final int threshold;

    /** The oldest in-flight message the connection was lost under, -1 for none. */
    private long suspect = -1;

    private int losses;

    /** The suspect, taken from the queue and held back while the probe is in flight. */
    private @Nullable QueuedMessage held;

    private long probe = -1;

    PoisonMessageRule(int threshold) {
        this.threshold = threshold;
    }

    int threshold() {
        return this.threshold;
    }

    boolean isProbing() {
        return this.held != null;
    }

    /** Whether the next dispatch should start a probe (at most two messages polled, see {@link #startProbe}). */
    boolean probeDue() {
        return this.threshold > 0 && this.held == null && this.losses >= this.threshold;
    }

    /**
     * Starts a probe from a freshly polled batch: holds the suspect back and returns the message to send alone.
     * Returns the batch unchanged when it does not start with the suspect followed by another message.
     */
    List<QueuedMessage> startProbe(List<QueuedMessage> batch) {
        if (batch.size() < 2 || batch.get(0).sequence() != this.suspect) {
            if (!batch.isEmpty() && batch.get(0).sequence() != this.suspect) {
                reset(); // the suspect left the queue some other way (expired, dropped)
            }
            return batch;
        }
        this.held = batch.get(0);
        this.probe = batch.get(1).sequence();
        return List.of(batch.get(1));
    }

    /** Something was acknowledged outside a probe: the connection is not refusing what it was given. */
    void acknowledged() {
        if (this.held == null) {
            reset();
        }
    }

    /** The connection was lost under {@code oldest}, the oldest message in flight (outside a probe). */
    void lostUnder(QueuedMessage oldest) {
        if (this.threshold <= 0 || this.held != null) {
            return;
        }
        if (oldest.sequence() == this.suspect) {
            this.losses++;
        }
        else {
            this.suspect = oldest.sequence();
            this.losses = 1;
        }
    }

    /** Whether the probe's outcome is among these acknowledged messages. */
    boolean probeAcknowledged(List<QueuedMessage> acked) {
        for (QueuedMessage m : acked) {
            if (m.sequence() == this.probe) {
                return true;
            }
        }
        return false;
    }

    /** Ends a probe; returns the held message (to reject or to put back). */
    QueuedMessage endProbe() {
        QueuedMessage message = this.held;
        reset();
        return message;
    }

    /** The held message, if a probe is running, to put back when the dispatcher stops. */
    @Nullable QueuedMessage release() {
        return (this.held != null) ? endProbe() : null;
    }

    private void reset() {
        this.suspect = -1;
        this.losses = 0;
        this.held = null;
        this.probe = -1;
    }
}
