package dev.iotspring.core.delivery;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with a ceiling and jitter, used for delivery retries ({@link Dispatcher}) and for
 * reconnects (MQTT, WebSocket, SSE) alike: retry number {@code n} (1 = after the first failure) waits
 * {@code min(max, initial * multiplier^(n-1))}, moved randomly by up to {@code ±jitter} of itself and never above
 * {@code max}, so that many clients cut off by the same outage do not come back in lockstep.
 *
 * @param initial delay after the first failure (0 retries at once)
 * @param max longest delay
 * @param multiplier growth per further failure (at least 1)
 * @param jitter share of the delay that is randomised, from 0 to 1
 */
public record RetryBackoff(Duration initial, Duration max, double multiplier, double jitter) {

    /** 100 ms doubling to 30 s, 20 % jitter: the delivery retry default. */
    public static final RetryBackoff DEFAULT = new RetryBackoff(Duration.ofMillis(100), Duration.ofSeconds(30), 2.0,
            0.2);

    public RetryBackoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative()) {
            throw new IllegalArgumentException("backoff initial delay must not be negative but was " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff max delay " + max + " is below the initial delay " + initial);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("backoff multiplier must be at least 1 but was " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("backoff jitter must be between 0 and 1 but was " + jitter);
        }
    }

    /** The delay without jitter before retry number {@code attempt} (1 = after the first failure). */
    public Duration baseDelay(int attempt) {
        double nanos = this.initial.toNanos() * Math.pow(this.multiplier, Math.max(0, attempt - 1));
        return (nanos >= this.max.toNanos() || Double.isNaN(nanos)) ? this.max : Duration.ofNanos((long) nanos);
    }

    /** The delay before retry number {@code attempt} (1 = after the first failure), with random jitter. */
    public Duration delay(int attempt) {
        return delay(attempt, () -> ThreadLocalRandom.current().nextDouble());
    }

    /**
     * The delay before retry number {@code attempt} (1 = after the first failure).
     * @param random source of numbers in {@code [0, 1)}: 0 shortens by the whole jitter, 0.5 keeps the base delay
     */
    public Duration delay(int attempt, DoubleSupplier random) {
        Duration base = baseDelay(attempt);
        if (this.jitter == 0) {
            return base;
        }
        double jittered = base.toNanos() * (1.0 + this.jitter * (2.0 * random.getAsDouble() - 1.0));
        return Duration.ofNanos((long) Math.min(Math.max(jittered, 0), this.max.toNanos()));
    }
}
