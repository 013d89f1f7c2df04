package dev.iotspring.core.delivery;

/**
 * The message was accepted and later discarded without delivery: the queue's overflow rule made room for a
 * newer one, or its expiry ({@link dev.iotspring.core.queue.OutboundMessage#HEADER_EXPIRES_AT}) passed before it
 * could be sent.
 */
public class MessageDroppedException extends RuntimeException {

    private final String messageId;

    public MessageDroppedException(String messageId, String reason) {
        super("Message " + messageId + " was not delivered: " + reason);
        this.messageId = messageId;
    }

    public String getMessageId() {
        return this.messageId;
    }
}
