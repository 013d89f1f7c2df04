package dev.iotspring.core.event;

import dev.iotspring.core.queue.OutboundMessage;

/**
 * The queue's overflow rule ({@code drop-oldest} or {@code drop-newest}) discarded a message. Its future fails
 * with {@link dev.iotspring.core.delivery.MessageDroppedException}.
 */
public class IotMessageDroppedEvent extends IotEvent {

    private final OutboundMessage message;

    public IotMessageDroppedEvent(Object source, String platform, OutboundMessage message) {
        super(source, platform);
        this.message = message;
    }

    public OutboundMessage getMessage() {
        return this.message;
    }

    @Override
    public String toString() {
        return "IotMessageDroppedEvent[platform=" + getPlatform() + ", id=" + this.message.id() + ", destination="
                + this.message.destination() + "]";
    }
}
