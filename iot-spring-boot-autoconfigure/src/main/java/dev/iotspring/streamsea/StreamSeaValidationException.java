package dev.iotspring.streamsea;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The server rejected a request body (HTTP 400): a payload that does not match the stream's schema, or a
 * schema definition it cannot accept. {@link #getErrors()} lists the server's reasons.
 */
public class StreamSeaValidationException extends StreamSeaException {

    private final @Nullable String serverMessage;

    private final List<String> errors;

    public StreamSeaValidationException(@Nullable String serverMessage, List<String> errors) {
        super("stream-sea rejected the request" + (serverMessage != null ? ": " + serverMessage : "")
                + (errors.isEmpty() ? "" : " " + errors), 400, null);
        this.serverMessage = serverMessage;
        this.errors = List.copyOf(errors);
    }

    public @Nullable String getServerMessage() {
        return this.serverMessage;
    }

    /** The server's {@code errors[]}, empty when it sent none. */
    public List<String> getErrors() {
        return this.errors;
    }
}
