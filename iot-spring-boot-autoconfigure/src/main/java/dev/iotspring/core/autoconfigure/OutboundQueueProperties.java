package dev.iotspring.core.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.config.PropertyChecks;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.core.queue.DeferredOutboundQueue;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueueOrder;
import dev.iotspring.core.store.IotStores;

import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * The {@code queue} settings every platform shares ({@code iot.<platform>.queue.*}): where messages wait
 * ({@code type}, {@code order}), the bound and its overflow rule, the in-flight window and the retry backoff;
 * their validation, and the {@link OutboundQueue} and {@link Dispatcher} settings they describe.
 *
 * <p>A platform extends it only to pass its own defaults to the constructor. The configuration processor cannot
 * see defaults set in a constructor: each platform states them for its keys in
 * {@code META-INF/additional-spring-configuration-metadata.json}.
 */
public class OutboundQueueProperties {

    /** Where queued messages are kept. */
    public enum Type {

        /** In the application's memory: what is still queued when a drain times out is lost (and logged). */
        MEMORY,

        /**
         * In the platform's SQLite file under iot.storage.directory (or the shared outbox on the application's
         * database with iot.storage.data-source=application), oldest first: survives restarts and crashes (at least
         * once).
         */
        DURABLE
    }

    /**
     * memory, or durable (the platform's SQLite file under iot.storage.directory, or the shared outbox with
     * iot.storage.data-source=application; survives restarts).
     */
    private Type type = Type.MEMORY;

    /** Which queued message is sent next: fifo (oldest) or lifo (newest); lifo only with type memory. */
    private QueueOrder order = QueueOrder.FIFO;

    /** Most messages waiting in the queue, not counting those being sent; 0 for no bound. */
    private int maxSize;

    /** What a full queue does with a new message: raise-exception, drop-oldest or drop-newest. */
    private OverflowStrategy overflow = OverflowStrategy.RAISE_EXCEPTION;

    /** Most messages sent and not yet acknowledged at once. */
    private int inFlight;

    /** Backoff of a message whose send failed for a reason worth retrying (no connection, timeout, 5xx). */
    @NestedConfigurationProperty
    private final Retry retry = new Retry();

    private final int inFlightLimit;

    /**
     * @param maxSize default of {@code max-size}
     * @param inFlight default of {@code in-flight}
     * @param inFlightLimit largest {@code in-flight} the platform's protocol allows
     */
    protected OutboundQueueProperties(int maxSize, int inFlight, int inFlightLimit) {
        this.maxSize = maxSize;
        this.inFlight = inFlight;
        this.inFlightLimit = inFlightLimit;
    }

    /**
     * Fails with an {@link IotConfigurationException} naming the first invalid key.
     * @param prefix the keys' prefix, e.g. {@code iot.stellanow.queue}
     */
    public void validate(String prefix) {
        String example = PropertyChecks.yaml(prefix, "type: durable          # memory | durable",
                "order: fifo            # fifo | lifo (memory only)", "max-size: 100000       # 0 = unbounded",
                "overflow: drop-oldest  # raise-exception | drop-oldest | drop-newest");
        PropertyChecks.requireState(this.type != null, prefix + ".type", "must be memory or durable", example);
        PropertyChecks.requireState(this.order != null, prefix + ".order", "must be fifo or lifo", example);
        PropertyChecks.requireState(this.type == Type.MEMORY || this.order == QueueOrder.FIFO, prefix + ".order",
                "must be fifo with type durable (a durable queue sends oldest first)", example);
        PropertyChecks.requireState(this.maxSize >= 0 && this.maxSize <= InMemoryQueue.MAX_SIZE_LIMIT,
                prefix + ".max-size", "must be between 0 (unbounded) and " + InMemoryQueue.MAX_SIZE_LIMIT, example);
        PropertyChecks.requireState(this.overflow != null, prefix + ".overflow",
                "must be raise-exception, drop-oldest or drop-newest", example);
        PropertyChecks.requireState(this.inFlight >= 1 && this.inFlight <= this.inFlightLimit, prefix + ".in-flight",
                "must be between 1 and " + this.inFlightLimit, example);
        this.retry.validate(prefix + ".retry");
    }

    /**
     * The queue these settings describe; the caller closes it.
     * @param stores the starter's SQLite stores, {@code null} without spring-jdbc, HikariCP and sqlite-jdbc
     * @param platform the platform whose store holds a durable queue
     * @param name the durable queue's name within the store
     * @param prefix the keys' prefix, named when a durable queue cannot be had
     */
    public OutboundQueue createQueue(@Nullable IotStores stores, String platform, String name, String prefix) {
        if (this.type == Type.DURABLE) {
            if (stores == null) {
                throw new IotConfigurationException(prefix + ".type",
                        "a durable queue needs spring-jdbc, HikariCP and sqlite-jdbc on the classpath (or use type: "
                                + "memory)",
                        PropertyChecks.yaml(prefix, "type: memory"));
            }
            // Opening the store (SQLite file or shared outbox), its pool and migrations runs beside the rest of the
            // startup; a send waits for it and still returns only once its message is committed. The directory lock
            // is taken now, so a second process on the same directory still fails its start.
            stores.claimDirectory();
            int maxSize = this.maxSize;
            OverflowStrategy overflow = this.overflow;
            return new DeferredOutboundQueue(platform + "-" + name, true,
                    () -> stores.durableQueue(platform, name, maxSize, overflow), stores::isClosed);
        }
        return new InMemoryQueue(this.order, this.maxSize, this.overflow);
    }

    /**
     * Sets the dispatcher's in-flight window, retry backoff and shutdown drain timeout
     * ({@code iot.shutdown.drain-timeout}).
     */
    public Dispatcher.Builder applyTo(Dispatcher.Builder dispatcher, Duration drainTimeout) {
        return dispatcher.window(this.inFlight)
            .backoff(this.retry.toBackoff())
            .drainTimeout(requireDrainTimeout(drainTimeout));
    }

    /** {@code iot.shutdown.drain-timeout}, checked: fails with an {@link IotConfigurationException} if negative. */
    public static Duration requireDrainTimeout(@Nullable Duration drainTimeout) {
        PropertyChecks.requireState(drainTimeout != null && !drainTimeout.isNegative(), "iot.shutdown.drain-timeout",
                "must not be negative", PropertyChecks.yaml("iot.shutdown", "drain-timeout: 30s"));
        return drainTimeout;
    }

    public Type getType() {
        return this.type;
    }

    public void setType(Type type) {
        this.type = type;
    }

    public QueueOrder getOrder() {
        return this.order;
    }

    public void setOrder(QueueOrder order) {
        this.order = order;
    }

    public int getMaxSize() {
        return this.maxSize;
    }

    public void setMaxSize(int maxSize) {
        this.maxSize = maxSize;
    }

    public OverflowStrategy getOverflow() {
        return this.overflow;
    }

    public void setOverflow(OverflowStrategy overflow) {
        this.overflow = overflow;
    }

    public int getInFlight() {
        return this.inFlight;
    }

    public void setInFlight(int inFlight) {
        this.inFlight = inFlight;
    }

    public Retry getRetry() {
        return this.retry;
    }

    @Override
    public String toString() {
        return "Queue[type=" + this.type + ", order=" + this.order + ", maxSize=" + this.maxSize + ", overflow="
                + this.overflow + ", inFlight=" + this.inFlight + ", retry=" + this.retry + "]";
    }

    /** {@code queue.retry.*}: the pause after a failed send, doubling with ±20 % jitter up to the maximum. */
    public static class Retry {

        /** Pause after the first failed attempt; it doubles (with jitter) per further failure. */
        private Duration initialDelay = Duration.ofMillis(100);

        /** Longest pause between attempts. */
        private Duration maxDelay = Duration.ofSeconds(30);

        void validate(String prefix) {
            String example = PropertyChecks.yaml(prefix, "initial-delay: 100ms", "max-delay: 30s");
            PropertyChecks.requirePositive(this.initialDelay, prefix + ".initial-delay", example);
            PropertyChecks.requireState(this.maxDelay != null && this.maxDelay.compareTo(this.initialDelay) >= 0,
                    prefix + ".max-delay", "must not be shorter than initial-delay", example);
        }

        RetryBackoff toBackoff() {
            return new RetryBackoff(this.initialDelay, this.maxDelay, 2.0, 0.2);
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

        @Override
        public String toString() {
            return "Retry[initialDelay=" + this.initialDelay + ", maxDelay=" + this.maxDelay + "]";
        }
    }
}
