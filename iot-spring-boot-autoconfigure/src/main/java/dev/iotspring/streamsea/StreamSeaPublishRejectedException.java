package dev.iotspring.streamsea;

import dev.iotspring.core.delivery.MessageRejectedException;

/**
 * stream-sea refused a publish for good (a 4xx other than 408 and 429): the message is not retried, the ones
 * after it go on. The cause is the typed answer: {@link StreamSeaValidationException} (400, the payload does not
 * match the schema), {@link StreamSeaAuthenticationException} (401), {@link StreamSeaNotFoundException} (404) or
 * a {@link StreamSeaException} with the status (403 and others).
 */
public class StreamSeaPublishRejectedException extends MessageRejectedException {

    private final int status;

    public StreamSeaPublishRejectedException(String stream, StreamSeaException cause) {
        super("stream-sea refused a publish to '" + stream + "': " + cause.getMessage(), cause);
        this.status = cause.getStatus();
    }

    /** The HTTP status of the refusal. */
    public int getStatus() {
        return this.status;
    }

    @Override
    public synchronized StreamSeaException getCause() {
        return (StreamSeaException) super.getCause();
    }
}
