package dev.iotspring.stellmap;

import org.jspecify.annotations.Nullable;

/** {@code 503 not_leader}: a write reached a follower. The registry retries once at {@link #getLeaderAddr()}. */
public class StellMapNotLeaderException extends StellMapException {

    private final long leaderId;

    private final @Nullable String leaderAddr;

    public StellMapNotLeaderException(String message, long leaderId, @Nullable String leaderAddr) {
        super(503, "not_leader", message, null);
        this.leaderId = leaderId;
        this.leaderAddr = leaderAddr;
    }

    /** 0 when no leader is known. */
    public long getLeaderId() {
        return this.leaderId;
    }

    /** {@code host:port} of the leader without scheme, {@code null} when no leader is known. */
    public @Nullable String getLeaderAddr() {
        return this.leaderAddr;
    }
}
