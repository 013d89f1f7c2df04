package dev.iotspring.stellanow;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * One token answer of the identity provider, with the instants its lifetimes end. {@link #toString()} shows no
 * token.
 */
final class OidcTokens {

    final String accessToken;

    final @Nullable String refreshToken;

    final Instant issuedAt;

    final Instant accessExpiresAt;

    final @Nullable Instant refreshExpiresAt;

    OidcTokens(String accessToken, @Nullable String refreshToken, Instant issuedAt, Instant accessExpiresAt,
            @Nullable Instant refreshExpiresAt) {
        this.accessToken = accessToken;
        this.refreshToken = refreshToken;
        this.issuedAt = issuedAt;
        this.accessExpiresAt = accessExpiresAt;
        this.refreshExpiresAt = refreshExpiresAt;
    }

    /** Valid with a margin: a token about to expire could die between CONNECT and the broker's check. */
    boolean accessUsable(Instant now) {
        long margin = Math.min(10_000, lifetime().toMillis() / 10);
        return now.plusMillis(margin).isBefore(this.accessExpiresAt);
    }

    boolean refreshUsable(Instant now) {
        return this.refreshToken != null && this.refreshExpiresAt != null && now.isBefore(this.refreshExpiresAt);
    }

    Duration lifetime() {
        return Duration.between(this.issuedAt, this.accessExpiresAt);
    }

    @Override
    public String toString() {
        return "OidcTokens[expiresAt=" + this.accessExpiresAt + "]";
    }
}
