package dev.iotspring.core.queue;

/** What a bounded queue does with a new message when it is full. */
public enum OverflowStrategy {

    /** Refuse the new message with a {@link QueueFullException}; the queue is left as it was. */
    RAISE_EXCEPTION,

    /** Discard the first-inserted queued message (for FIFO and LIFO alike), then accept the new one. */
    DROP_OLDEST,

    /** Discard the new message and count it as dropped. */
    DROP_NEWEST
}
