package dev.iotspring.core.queue;

/**
 * Where durable queues come from when they do not live in the platforms' own SQLite files: the shared outbox on
 * an application's database ({@code iot.storage.data-source=application}). {@code IotStores} hands its durable
 * queues to one when it has one.
 */
@FunctionalInterface
public interface DurableQueueFactory {

    /**
     * Opens a durable FIFO queue; what an earlier run left in it comes first.
     * @param queueName letters, digits, '.', '_' or '-', unique per platform stream
     * @param maxSize most queued messages, 0 for no bound
     * @param overflow what a full queue does with a new message
     */
    OutboundQueue open(String queueName, int maxSize, OverflowStrategy overflow);
}
