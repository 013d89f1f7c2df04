package dev.iotspring.streamsea;

import org.jspecify.annotations.Nullable;

/**
 * A stream-sea call failed. Subclasses name the failures an application handles differently; this class is
 * used for the rest (an unexpected status, an unreachable server, a protocol violation).
 */
public class StreamSeaException extends RuntimeException {

    private final int status;

    public StreamSeaException(String message) {
        this(message, 0, null);
    }

    public StreamSeaException(String message, int status, @Nullable Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status of the failed call, or 0 when the failure was not an HTTP answer. */
    public int getStatus() {
        return this.status;
    }
}
