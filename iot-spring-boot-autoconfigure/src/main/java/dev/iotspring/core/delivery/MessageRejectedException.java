package dev.iotspring.core.delivery;

/**
 * Thrown (or used to fail the future) by a {@link MessageSender} when the server refused this very message and
 * sending it again cannot help (too large, not authorised for the topic, invalid). The dispatcher removes it
 * from the queue and reports it as failed instead of retrying it. Any other failure is taken as transient: the
 * message goes back to its place and is retried after a backoff.
 */
public class MessageRejectedException extends RuntimeException {

    public MessageRejectedException(String message) {
        super(message);
    }

    public MessageRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
