package dev.iotspring.core.delivery;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with a ceiling and proportional jitter: attempt {@code n} waits
 * {@code min(max, initial * multiplier^(n-1))}, moved randomly by up to {@code ±jitter} of itself (never above
 * {@code max}), so many clients that lost the same broker do not come back in lockstep.
 *
 * @param initial delay after the first failure
 * @param max longest delay
 * @param multiplier growth per further failure (at least 1)
 * @param jitter fraction of the delay randomised, 0 (none) to 1
 */
public record RetryBackoff(Duration initial, Duration max, double multiplier, double jitter) {

    /** 100 ms doubling to 30 s, ±20 %. */
    public static final RetryBackoff DEFAULT = new RetryBackoff(Duration.ofMillis(100), Duration.ofSeconds(30), 2.0,
            0.2);

    public RetryBackoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 <= initial <= max but was " + initial + ".." + max);
        }
        if (multiplier < 1.0) {
            throw new IllegalArgumentException("backoff multiplier must be at least 1 but was " + multiplier);
        }
        if (jitter < 0.0 || jitter > 1.0) {
            throw new IllegalArgumentException("backoff jitter must be between 0 and 1 but was " + jitter);
        }
    }

    /** Delay before retry number {@code attempt} (1 = after the first failure). */
    public Duration delay(int attempt) {
        double base = this.initial.toNanos() * Math.pow(this.multiplier, Math.max(0, attempt - 1));
        double capped = Math.min(base, this.max.toNanos());
        double jittered = capped;
        if (this.jitter > 0) {
            jittered = capped * (1.0 + this.jitter * (2.0 * ThreadLocalRandom.current().nextDouble() - 1.0));
        }
        return Duration.ofNanos((long) Math.min(Math.max(jittered, 0), this.max.toNanos()));
    }
}
