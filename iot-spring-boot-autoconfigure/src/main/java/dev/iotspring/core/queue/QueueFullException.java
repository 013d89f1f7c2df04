package dev.iotspring.core.queue;

/** Thrown by a full queue whose overflow strategy is {@link OverflowStrategy#RAISE_EXCEPTION}. */
public class QueueFullException extends RuntimeException {

    private final int queueSize;

    private final long droppedCount;

    private final String messageId;

    public QueueFullException(int queueSize, long droppedCount, String messageId) {
        super("Queue is full (" + queueSize + " messages, " + droppedCount + " dropped so far); message "
                + messageId + " was not accepted. Wait for the queue to drain or raise its max-size.");
        this.queueSize = queueSize;
        this.droppedCount = droppedCount;
        this.messageId = messageId;
    }

    public int getQueueSize() {
        return this.queueSize;
    }

    public long getDroppedCount() {
        return this.droppedCount;
    }

    public String getMessageId() {
        return this.messageId;
    }
}
