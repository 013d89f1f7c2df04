package dev.iotspring.stellanow;

/**
 * Told each time the broker acknowledged an event (PUBACK), like the C# SDK's {@code OnMessageSent}; beans of this
 * type are handed to the auto-configured {@link StellaNowTemplate} in their order. Runs on the thread that settles
 * the acknowledgement (usually the MQTT client's callback thread, see
 * {@link dev.iotspring.core.delivery.DeliveryListener}): return quickly and never block. Failed and dropped events, and connection changes, are Spring
 * application events instead ({@link dev.iotspring.core.event.IotMessageFailedEvent},
 * {@link dev.iotspring.core.event.IotMessageDroppedEvent},
 * {@link dev.iotspring.core.event.IotConnectionStateChangedEvent}); one event's own outcome is its future.
 */
@FunctionalInterface
public interface StellaNowDeliveryCallback {

    /** The broker acknowledged the event; it left the queue. */
    void acknowledged(SendResult result);
}
