package dev.iotspring.stellmap;

import org.jspecify.annotations.Nullable;

/** No answer from any configured StellMap node (connection refused, timeout, TLS failure). */
public class StellMapUnreachableException extends StellMapException {

    public StellMapUnreachableException(@Nullable String message, @Nullable Throwable cause) {
        super(0, "unreachable", (message != null) ? message : "connection failed", cause);
    }
}
