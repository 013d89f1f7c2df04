package dev.iotspring.core.autoconfigure;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.config.PropertyChecks;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueueOrder;
import dev.iotspring.core.store.IotStores;

/**
 * The {@code queue} settings a platform's properties share ({@code iot.<platform>.queue.*}): bound, overflow rule
 * and in-flight window, their validation, and the {@link OutboundQueue} (in memory or durable through
 * {@link IotStores}) and {@link Dispatcher} settings they describe.
 *
 * <p>A platform extends it with its own {@code type} property (its own enum, so each platform keeps the values
 * its users know) and passes its defaults to the constructor. The configuration processor cannot see defaults
 * set in a constructor: each platform states them for its keys in
 * {@code META-INF/additional-spring-configuration-metadata.json}.
 */
public abstract class OutboundQueueProperties {

    /** Where a queue keeps its messages, as a platform's {@code type} value maps to it. */
    protected enum Storage {

        /** In memory, oldest first. */
        MEMORY_FIFO,

        /** In memory, newest first. */
        MEMORY_LIFO,

        /** The platform's SQLite file under iot.storage.directory, oldest first. */
        DURABLE
    }

    /** Most messages waiting in the queue, not counting those being sent; 0 for no bound. */
    private int maxSize;

    /** What a full queue does with a new message: raise-exception, drop-oldest or drop-newest. */
    private OverflowStrategy overflow = OverflowStrategy.RAISE_EXCEPTION;

    /** Most messages sent and not yet acknowledged at once. */
    private int inFlight;

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

    /** Where the configured {@code type} keeps messages, or {@code null} when the type is unset. */
    protected abstract @Nullable Storage storage();

    /** The platform's {@code type} values, an in-memory one first (suggested when a durable queue cannot be had). */
    protected abstract List<String> typeValues();

    /**
     * Fails with an {@link IotConfigurationException} naming the first invalid key.
     * @param prefix the keys' prefix, e.g. {@code iot.stellanow.queue}
     * @param example yml shown with the failure
     */
    public void validate(String prefix, String example) {
        PropertyChecks.requireState(storage() != null, prefix + ".type", "must be " + oneOf(typeValues()), example);
        PropertyChecks.requireState(this.maxSize >= 0 && this.maxSize <= InMemoryQueue.MAX_SIZE_LIMIT,
                prefix + ".max-size", "must be between 0 (unbounded) and " + InMemoryQueue.MAX_SIZE_LIMIT, example);
        PropertyChecks.requireState(this.overflow != null, prefix + ".overflow",
                "must be raise-exception, drop-oldest or drop-newest", example);
        PropertyChecks.requireState(this.inFlight >= 1 && this.inFlight <= this.inFlightLimit, prefix + ".in-flight",
                "must be between 1 and " + this.inFlightLimit, example);
    }

    /**
     * The queue these settings describe; the caller closes it.
     * @param stores the starter's SQLite stores, {@code null} without spring-jdbc, HikariCP and sqlite-jdbc
     * @param platform the platform whose store holds a durable queue
     * @param name the durable queue's name within the store
     * @param prefix the keys' prefix, named when a durable queue cannot be had
     * @param example yml shown with that failure
     */
    public OutboundQueue createQueue(@Nullable IotStores stores, String platform, String name, String prefix,
            String example) {
        Storage storage = storage();
        if (storage == Storage.DURABLE) {
            if (stores == null) {
                throw new IotConfigurationException(prefix + ".type",
                        "a durable queue needs spring-jdbc, HikariCP and sqlite-jdbc on the classpath (or use type: "
                                + typeValues().get(0) + ")",
                        example);
            }
            return stores.open(platform).outboundQueue(name, this.maxSize, this.overflow);
        }
        QueueOrder order = (storage == Storage.MEMORY_LIFO) ? QueueOrder.LIFO : QueueOrder.FIFO;
        return new InMemoryQueue(order, this.maxSize, this.overflow);
    }

    /** Sets the dispatcher's in-flight window and shutdown drain timeout ({@code iot.shutdown.drain-timeout}). */
    public Dispatcher.Builder applyTo(Dispatcher.Builder dispatcher, Duration drainTimeout) {
        return dispatcher.window(this.inFlight).drainTimeout(requireDrainTimeout(drainTimeout));
    }

    /** {@code iot.shutdown.drain-timeout}, checked: fails with an {@link IotConfigurationException} if negative. */
    public static Duration requireDrainTimeout(@Nullable Duration drainTimeout) {
        PropertyChecks.requireState(drainTimeout != null && !drainTimeout.isNegative(), "iot.shutdown.drain-timeout",
                "must not be negative", "iot:\n  shutdown:\n    drain-timeout: 30s");
        return drainTimeout;
    }

    private static String oneOf(List<String> values) {
        if (values.size() == 1) {
            return values.get(0);
        }
        return "one of " + String.join(", ", values.subList(0, values.size() - 1)) + " or "
                + values.get(values.size() - 1);
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

    @Override
    public String toString() {
        return "Queue[storage=" + storage() + ", maxSize=" + this.maxSize + ", overflow=" + this.overflow
                + ", inFlight=" + this.inFlight + "]";
    }
}
