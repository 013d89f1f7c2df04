package dev.iotspring.test.streamsea;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * What the emulator knows about one WebSocket.
 *
 * @param id the emulator's number for the socket
 * @param clientId the client that authenticated, {@code null} before authentication
 * @param jwt whether it authenticated with a JWT
 * @param openedAt when the upgrade completed
 * @param authenticatedAt when authentication succeeded, {@code null} if it did not (yet)
 * @param authAnswerSentAt when the answer to {@code authenticate} was sent, {@code null} before
 * @param closedAt when the socket closed, {@code null} while open
 * @param closedByClient whether the client closed it before the emulator did
 * @param pongs pongs received in answer to the emulator's pings
 */
public record ConnectionRecord(int id, @Nullable String clientId, boolean jwt, Instant openedAt,
        @Nullable Instant authenticatedAt, @Nullable Instant authAnswerSentAt, @Nullable Instant closedAt,
        boolean closedByClient, int pongs) {

    public boolean isOpen() {
        return this.closedAt == null;
    }
}
