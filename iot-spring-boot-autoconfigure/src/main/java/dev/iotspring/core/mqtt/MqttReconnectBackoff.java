package dev.iotspring.core.mqtt;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * Delay before the next connect attempt: {@code min(max, initial * multiplier^attempt)}, then reduced by a
 * random share of up to {@code jitter} (0 = none, 0.5 = up to half) so that many clients cut off by the same
 * outage do not all reconnect in the same instant. The cap {@code max} therefore holds after jitter too.
 *
 * @param initial delay before the first retry
 * @param max upper bound of any delay
 * @param multiplier growth per failed attempt (at least 1)
 * @param jitter share of the delay that is randomised, from 0 to 1
 */
public record MqttReconnectBackoff(Duration initial, Duration max, double multiplier, double jitter) {

    /** 1 s, doubling up to 60 s, 20 % jitter. */
    public static final MqttReconnectBackoff DEFAULT = new MqttReconnectBackoff(Duration.ofSeconds(1),
            Duration.ofSeconds(60), 2.0, 0.2);

    public MqttReconnectBackoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("reconnect initial delay must be positive but was " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("reconnect max delay " + max + " is below the initial delay " + initial);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("reconnect multiplier must be at least 1 but was " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("reconnect jitter must be between 0 and 1 but was " + jitter);
        }
    }

    /** The delay without jitter for a 0-based attempt number. */
    public Duration baseDelay(int attempt) {
        double millis = this.initial.toMillis() * Math.pow(this.multiplier, Math.max(0, attempt));
        return (millis >= this.max.toMillis() || Double.isNaN(millis)) ? this.max : Duration.ofMillis((long) millis);
    }

    /**
     * The delay for a 0-based attempt number.
     * @param random source of numbers in {@code [0, 1)}
     */
    public Duration delay(int attempt, DoubleSupplier random) {
        long base = baseDelay(attempt).toMillis();
        double r = random.getAsDouble();
        return Duration.ofMillis(Math.round(base * (1.0 - this.jitter * r)));
    }
}
