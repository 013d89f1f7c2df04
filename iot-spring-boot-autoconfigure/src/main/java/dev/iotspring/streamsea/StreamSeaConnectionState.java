package dev.iotspring.streamsea;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A snapshot of the shared WebSocket connection, for health and diagnostics.
 *
 * @param running whether the connection is started (it keeps reconnecting while running)
 * @param connected whether a socket is open and authenticated
 * @param subscriptions logical subscriptions (resubscribed after every reconnect)
 * @param lastFrameAt when the last frame (pings included) arrived, {@code null} before the first
 * @param connects sockets opened since start
 * @param reconnects reconnect attempts since start
 * @param received deliveries handed to subscriptions
 * @param malformedFrames frames skipped because they were not JSON, had no id or an unknown id
 * @param lastError the last connection failure (an authentication failure is a
 *     {@link StreamSeaAuthenticationException}), {@code null} once authenticated again
 */
public record StreamSeaConnectionState(boolean running, boolean connected, int subscriptions,
        @Nullable Instant lastFrameAt, long connects, long reconnects, long received, long malformedFrames,
        @Nullable Throwable lastError) {
}
