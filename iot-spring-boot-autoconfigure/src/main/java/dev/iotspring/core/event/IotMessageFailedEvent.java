package dev.iotspring.core.event;

import dev.iotspring.core.queue.OutboundMessage;

/**
 * A message will not be delivered: the platform rejected it for good, its expiry passed, or the application
 * stopped before an in-memory queue could send it. The message's own future fails with the same cause.
 */
public class IotMessageFailedEvent extends IotEvent {

    private final OutboundMessage message;

    private final Throwable cause;

    public IotMessageFailedEvent(Object source, String platform, OutboundMessage message, Throwable cause) {
        super(source, platform);
        this.message = message;
        this.cause = cause;
    }

    public OutboundMessage getMessage() {
        return this.message;
    }

    public Throwable getCause() {
        return this.cause;
    }

    @Override
    public String toString() {
        return "IotMessageFailedEvent[platform=" + getPlatform() + ", id=" + this.message.id() + ", destination="
                + this.message.destination() + ", cause=" + this.cause.getClass().getSimpleName() + "]";
    }
}
