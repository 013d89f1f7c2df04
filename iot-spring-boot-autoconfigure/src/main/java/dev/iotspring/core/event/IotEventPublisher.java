package dev.iotspring.core.event;

import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.core.delivery.DeliveryListener;
import dev.iotspring.core.mqtt.MqttConnectionListener;
import dev.iotspring.core.queue.OutboundMessage;

import org.springframework.context.ApplicationEventPublisher;

/**
 * Publishes one platform's {@link IotEvent}s. Each platform's auto-configuration makes one and hands
 * {@link #asDeliveryListener()} to its dispatcher and {@link #asMqttConnectionListener()} (or calls
 * {@link #connectionChanged}) for its connection, so every platform reports the same change with the same event.
 *
 * <p>Events are published synchronously on the thread that saw the change (a dispatcher or connection thread):
 * an {@code @EventListener} should be quick or {@code @Async}. A listener that throws is logged, never allowed to
 * break delivery.
 */
public final class IotEventPublisher {

    private static final Logger logger = LoggerFactory.getLogger(IotEventPublisher.class);

    private final String platform;

    private final ApplicationEventPublisher publisher;

    /** Last state published; {@code null} before the first connect attempt ended. */
    private final AtomicReference<@Nullable Boolean> connected = new AtomicReference<>();

    public IotEventPublisher(String platform, ApplicationEventPublisher publisher) {
        this.platform = platform;
        this.publisher = publisher;
    }

    public String getPlatform() {
        return this.platform;
    }

    /**
     * Reports the connection's state; publishes an {@link IotConnectionStateChangedEvent} only when it differs
     * from the last one reported (the first failed attempt after start counts as a change from "unknown").
     * @return whether an event was published
     */
    public boolean connectionChanged(Object source, boolean connected, @Nullable Throwable cause, boolean willRetry) {
        Boolean previous = this.connected.getAndSet(connected);
        if (previous != null && previous == connected) {
            return false;
        }
        publish(new IotConnectionStateChangedEvent(source, this.platform, connected, cause, willRetry));
        return true;
    }

    /** Publishes {@link IotMessageFailedEvent} and {@link IotMessageDroppedEvent} for a dispatcher's outcomes. */
    public DeliveryListener asDeliveryListener() {
        return new DeliveryListener() {

            @Override
            public void onFailed(OutboundMessage message, Throwable cause) {
                publish(new IotMessageFailedEvent(IotEventPublisher.this, IotEventPublisher.this.platform, message,
                        cause));
            }

            @Override
            public void onDropped(OutboundMessage message) {
                publish(new IotMessageDroppedEvent(IotEventPublisher.this, IotEventPublisher.this.platform,
                        message));
            }
        };
    }

    /** Reports an MQTT connection's ups and downs through {@link #connectionChanged}. */
    public MqttConnectionListener asMqttConnectionListener() {
        Object source = this;
        return new MqttConnectionListener() {

            @Override
            public void connected(boolean sessionPresent) {
                connectionChanged(source, true, null, true);
            }

            @Override
            public void disconnected(Throwable cause, boolean willRetry) {
                connectionChanged(source, false, cause, willRetry);
            }
        };
    }

    private void publish(IotEvent event) {
        try {
            this.publisher.publishEvent(event);
        }
        catch (RuntimeException ex) {
            logger.warn("An application listener failed on {}", event, ex);
        }
    }
}
