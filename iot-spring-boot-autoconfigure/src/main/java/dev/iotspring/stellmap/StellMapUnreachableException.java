package dev.iotspring.stellmap;

import org.jspecify.annotations.Nullable;

/**
 * No answer from a StellMap node: connection refused, no answer within the request timeout, TLS failure, or a
 * gateway in front of it answering {@code 502}/{@code 503}/{@code 504} without StellMap's envelope.
 */
public class StellMapUnreachableException extends StellMapException {

    public StellMapUnreachableException(@Nullable String message, @Nullable Throwable cause) {
        super(0, "unreachable", (message != null) ? message : "connection failed", cause);
    }

    /** A gateway in front of the node answered for it ({@code 502}, {@code 503}, {@code 504} without envelope). */
    public StellMapUnreachableException(int status, String message) {
        super(status, "unreachable", message, null);
    }
}
