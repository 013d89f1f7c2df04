package dev.iotspring.core.delivery;

/**
 * The dispatcher accepts no messages: the application is shutting down (or its context was stopped, as Spring's
 * test framework pauses a cached context) and the drain has started or finished; a start accepts them again.
 * Also the cause handed to {@link DeliveryListener#onFailed} for messages an in-memory queue still held when the
 * drain timed out.
 */
public class DeliveryClosedException extends IllegalStateException {

    public DeliveryClosedException(String message) {
        super(message);
    }
}
