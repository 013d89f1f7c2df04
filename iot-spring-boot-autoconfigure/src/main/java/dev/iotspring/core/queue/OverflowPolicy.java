package dev.iotspring.core.queue;

import java.util.Objects;

/**
 * The bound of an outbound queue and what it does when full, checked once for every queue implementation. The
 * bound counts <em>queued</em> messages (not those in flight); what a drop removes is up to the queue.
 *
 * @param maxSize most messages queued at once, 0 for no bound; 0 to {@value #MAX_SIZE_LIMIT}
 * @param strategy what a full queue does with a new message
 */
public record OverflowPolicy(int maxSize, OverflowStrategy strategy) {

    /** Largest accepted {@code maxSize}, as in the StellaNow Python SDK. */
    public static final int MAX_SIZE_LIMIT = 10_000_000;

    public OverflowPolicy {
        Objects.requireNonNull(strategy, "overflow");
        if (maxSize < 0 || maxSize > MAX_SIZE_LIMIT) {
            throw new IllegalArgumentException(
                    "maxSize must be between 0 (unbounded) and " + MAX_SIZE_LIMIT + " but was " + maxSize);
        }
    }

    /** Whether a queue holding {@code queued} messages (not counting those in flight) must apply the strategy. */
    public boolean isFull(int queued) {
        return this.maxSize > 0 && queued >= this.maxSize;
    }
}
