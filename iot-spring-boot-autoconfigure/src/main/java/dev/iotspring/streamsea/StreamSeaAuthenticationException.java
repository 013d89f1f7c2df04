package dev.iotspring.streamsea;

import org.jspecify.annotations.Nullable;

/**
 * The server refused the credentials: HTTP 401, or {@code success:false} in answer to the WebSocket
 * {@code authenticate} frame. {@link #getServerMessage()} is what the server said, if anything.
 */
public class StreamSeaAuthenticationException extends StreamSeaException {

    private final @Nullable String serverMessage;

    public StreamSeaAuthenticationException(@Nullable String serverMessage, int status) {
        super("stream-sea refused the credentials" + (serverMessage != null ? ": " + serverMessage : ""), status,
                null);
        this.serverMessage = serverMessage;
    }

    public @Nullable String getServerMessage() {
        return this.serverMessage;
    }
}
