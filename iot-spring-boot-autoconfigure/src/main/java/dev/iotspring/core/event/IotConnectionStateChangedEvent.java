package dev.iotspring.core.event;

import org.jspecify.annotations.Nullable;

/**
 * A platform's long-lived connection (MQTT, WebSocket, an SSE watch, a registry's reachability) went up or down.
 * Published on a change only: repeated failed attempts while already disconnected publish nothing more.
 */
public class IotConnectionStateChangedEvent extends IotEvent {

    private final boolean connected;

    private final @Nullable Throwable cause;

    private final boolean willRetry;

    public IotConnectionStateChangedEvent(Object source, String platform, boolean connected,
            @Nullable Throwable cause, boolean willRetry) {
        super(source, platform);
        this.connected = connected;
        this.cause = cause;
        this.willRetry = willRetry;
    }

    /** Whether the connection is up now. */
    public boolean isConnected() {
        return this.connected;
    }

    /** Why it went down; {@code null} when it came up or was closed on purpose. */
    public @Nullable Throwable getCause() {
        return this.cause;
    }

    /**
     * Whether the client keeps trying: {@code false} after a permanent failure (refused credentials) or a
     * shutdown; always {@code true} for a connection that came up.
     */
    public boolean isWillRetry() {
        return this.willRetry;
    }

    @Override
    public String toString() {
        return "IotConnectionStateChangedEvent[platform=" + getPlatform() + ", connected=" + this.connected
                + ", willRetry=" + this.willRetry + ", cause="
                + ((this.cause != null) ? this.cause.getClass().getSimpleName() : null) + "]";
    }
}
