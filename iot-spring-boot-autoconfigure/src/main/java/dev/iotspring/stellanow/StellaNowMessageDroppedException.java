package dev.iotspring.stellanow;

/** The queue's overflow rule (drop-oldest or drop-newest) discarded the message; it was never sent. */
public class StellaNowMessageDroppedException extends RuntimeException {

    private final String messageId;

    public StellaNowMessageDroppedException(String messageId, String rule) {
        super("Message " + messageId + " was dropped by the full queue (" + rule + ") and will not be sent");
        this.messageId = messageId;
    }

    public String getMessageId() {
        return this.messageId;
    }
}
