package dev.iotspring.core.delivery;

/**
 * The dispatcher no longer accepts or delivers messages: the application is shutting down and the drain has
 * started (or finished). Also the cause handed to {@link DeliveryListener#onFailed} for messages an in-memory
 * queue still held when the drain timed out.
 */
public class DeliveryClosedException extends IllegalStateException {

    public DeliveryClosedException(String message) {
        super(message);
    }
}
