package dev.iotspring.core.queue;

/** Which queued message an {@link InMemoryQueue} hands out next. */
public enum QueueOrder {

    /** First in, first out: the oldest queued message goes first. */
    FIFO,

    /** Last in, first out: the newest queued message goes first (StellaNow's {@code lifo} strategy). */
    LIFO
}
