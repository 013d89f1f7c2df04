package dev.iotspring.stellmap;

import org.jspecify.annotations.Nullable;

/**
 * The server answered with an error envelope ({@code {"code":...,"message":...}}) or could not be reached.
 * Subclasses stand for the codes a caller acts on.
 */
public class StellMapException extends RuntimeException {

    private final int status;

    private final String code;

    public StellMapException(int status, String code, String message, @Nullable Throwable cause) {
        super("StellMap answered " + (status > 0 ? status + " " : "") + code + ": " + message, cause);
        this.status = status;
        this.code = code;
    }

    /** HTTP status, 0 when no response was received. */
    public int getStatus() {
        return this.status;
    }

    /** The server's error code, e.g. {@code propose_failed}; {@code unreachable} when no response came. */
    public String getCode() {
        return this.code;
    }
}
