package dev.iotspring.core.delivery;

import java.time.Duration;

/**
 * When a {@link Dispatcher} may send again after failures: each consecutive failure pauses sending for the
 * next {@link RetryBackoff} delay; an acknowledgement ends the pause, and so does the sender coming back after
 * it reported not ready (its own reconnect backoff already spaced the attempts). Only under the dispatcher's turn.
 */
final class RetryPause {

    private final RetryBackoff backoff;

    /** System.nanoTime() until which sending pauses; 0 = not paused. */
    private long pausedUntil;

    private int consecutiveFailures;

    private boolean waitedForReadiness;

    RetryPause(RetryBackoff backoff) {
        this.backoff = backoff;
    }

    void reset() {
        this.pausedUntil = 0;
        this.consecutiveFailures = 0;
        this.waitedForReadiness = false;
    }

    /** One more failure: pauses for the next delay and returns it. */
    Duration failed(long nowNanos) {
        this.consecutiveFailures++;
        Duration delay = this.backoff.delay(this.consecutiveFailures);
        this.pausedUntil = nowNanos + Math.max(1, delay.toNanos());
        return delay;
    }

    /** A message was acknowledged: the next failure starts the backoff from the beginning. */
    void succeeded() {
        this.consecutiveFailures = 0;
        this.pausedUntil = 0;
    }

    void senderNotReady() {
        this.waitedForReadiness = true;
    }

    void senderReady() {
        if (this.waitedForReadiness) {
            this.waitedForReadiness = false;
            succeeded();
        }
    }

    /** Neither paused after a failure nor waiting for the sender to be ready again (no clock read). */
    boolean isClear() {
        return this.pausedUntil == 0 && !this.waitedForReadiness;
    }

    /** How long sending still pauses (0 when it may send now). */
    long remainingNanos(long nowNanos) {
        return (this.pausedUntil != 0 && this.pausedUntil - nowNanos > 0) ? this.pausedUntil - nowNanos : 0;
    }
}
