package dev.iotspring.core.autoconfigure;

import java.time.Duration;

import dev.iotspring.core.config.PropertyChecks;
import dev.iotspring.core.delivery.RetryBackoff;

/**
 * {@code iot.<platform>.reconnect.*}: how a long-lived connection (MQTT, WebSocket, an SSE watch) comes back
 * after it was lost or refused. Attempt {@code n} waits {@code min(max-delay, initial-delay * multiplier^(n-1))},
 * moved randomly by up to {@code ±jitter} of itself. A platform passes its defaults to the constructor and states
 * them in {@code META-INF/additional-spring-configuration-metadata.json}.
 */
public class ReconnectProperties {

    /** Delay before the first reconnect attempt after a connection was lost or refused. */
    private Duration initialDelay;

    /** Longest delay between two attempts. */
    private Duration maxDelay;

    /** Factor applied to the delay after each failed attempt (1.0 or more). */
    private double multiplier = 2.0;

    /**
     * Share of each delay that is randomised (0 to 1), so many clients cut off by one outage do not all come back
     * in the same instant.
     */
    private double jitter = 0.2;

    /** 1 s doubling to 60 s. */
    public ReconnectProperties() {
        this(Duration.ofSeconds(1), Duration.ofSeconds(60));
    }

    // Two constructors: the configuration processor then describes every setter (multiplier, jitter included)
    // instead of treating the class as constructor-bound.
    public ReconnectProperties(Duration initialDelay, Duration maxDelay) {
        this.initialDelay = initialDelay;
        this.maxDelay = maxDelay;
    }

    /**
     * Fails with an {@link dev.iotspring.core.config.IotConfigurationException} naming the first invalid key.
     * @param prefix the keys' prefix, e.g. {@code iot.stellanow.reconnect}
     */
    public void validate(String prefix) {
        String example = PropertyChecks.yaml(prefix, "initial-delay: 1s", "max-delay: 60s", "multiplier: 2.0",
                "jitter: 0.2");
        PropertyChecks.requirePositive(this.initialDelay, prefix + ".initial-delay", example);
        PropertyChecks.requireState(this.maxDelay != null && this.maxDelay.compareTo(this.initialDelay) >= 0,
                prefix + ".max-delay", "must not be shorter than initial-delay", example);
        PropertyChecks.requireState(this.multiplier >= 1.0, prefix + ".multiplier", "must be 1.0 or more", example);
        PropertyChecks.requireState(this.jitter >= 0.0 && this.jitter <= 1.0, prefix + ".jitter",
                "must be between 0.0 and 1.0", example);
    }

    /** The schedule these settings describe. */
    public RetryBackoff toBackoff() {
        return new RetryBackoff(this.initialDelay, this.maxDelay, this.multiplier, this.jitter);
    }

    public Duration getInitialDelay() {
        return this.initialDelay;
    }

    public void setInitialDelay(Duration initialDelay) {
        this.initialDelay = initialDelay;
    }

    public Duration getMaxDelay() {
        return this.maxDelay;
    }

    public void setMaxDelay(Duration maxDelay) {
        this.maxDelay = maxDelay;
    }

    public double getMultiplier() {
        return this.multiplier;
    }

    public void setMultiplier(double multiplier) {
        this.multiplier = multiplier;
    }

    public double getJitter() {
        return this.jitter;
    }

    public void setJitter(double jitter) {
        this.jitter = jitter;
    }

    @Override
    public String toString() {
        return "Reconnect[initialDelay=" + this.initialDelay + ", maxDelay=" + this.maxDelay + ", multiplier="
                + this.multiplier + ", jitter=" + this.jitter + "]";
    }
}
