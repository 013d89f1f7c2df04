package dev.iotspring.spotflow;

import org.jspecify.annotations.Nullable;

/**
 * The Spotflow provisioning API answered with an error status (the problem-details type and title are kept), or
 * could not be reached ({@link #getStatus()} 0). Never carries a token.
 */
public class SpotflowHttpException extends RuntimeException {

    private final int status;

    private final @Nullable String problemType;

    public SpotflowHttpException(String operation, int status, @Nullable String problemType, @Nullable String title,
            @Nullable Throwable cause) {
        super("Spotflow " + operation + " failed: " + ((status == 0) ? "not reachable" : ("HTTP " + status))
                + ((title != null) ? " (" + title + ")" : "")
                + ((status == 0 && cause != null) ? ": " + cause.getMessage() : ""), cause);
        this.status = status;
        this.problemType = problemType;
    }

    /** The HTTP status, or 0 when no answer came (connection refused, timeout). */
    public int getStatus() {
        return this.status;
    }

    /** The RFC 7807 {@code type} of the error body, if any. */
    public @Nullable String getProblemType() {
        return this.problemType;
    }
}
