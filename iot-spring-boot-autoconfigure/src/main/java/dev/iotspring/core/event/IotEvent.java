package dev.iotspring.core.event;

import org.springframework.context.ApplicationEvent;

/**
 * Base of the application events the starter publishes about its own connections and sends, one set for every
 * platform. Listen with {@code @EventListener} on a subtype and tell platforms apart by {@link #getPlatform()}.
 */
public abstract class IotEvent extends ApplicationEvent {

    private final String platform;

    protected IotEvent(Object source, String platform) {
        super(source);
        this.platform = platform;
    }

    /** The platform id: {@code stellanow}, {@code streamsea}, {@code stellmap}, {@code astarte} or {@code spotflow}. */
    public String getPlatform() {
        return this.platform;
    }
}
