package dev.iotspring.test.stellanow;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * The identity provider's state: the access and refresh tokens it issued, their lifetimes and revocations.
 * Tokens are unique per issue and JWT-shaped (unsigned).
 */
final class IdentityProviderTokens {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Issued> accessTokens = new ConcurrentHashMap<>();

    private final Map<String, Issued> refreshTokens = new ConcurrentHashMap<>();

    private final JsonMapper json = JsonMapper.builder().build();

    private final Clock clock;

    private volatile Duration accessTokenLifetime;

    private volatile Duration refreshTokenLifetime;

    IdentityProviderTokens(Clock clock, Duration accessTokenLifetime, Duration refreshTokenLifetime) {
        this.clock = clock;
        this.accessTokenLifetime = requireWholeSeconds(accessTokenLifetime);
        this.refreshTokenLifetime = requireWholeSeconds(refreshTokenLifetime);
    }

    Instant now() {
        return this.clock.instant();
    }

    void setAccessTokenLifetime(Duration lifetime) {
        this.accessTokenLifetime = requireWholeSeconds(lifetime);
    }

    void setRefreshTokenLifetime(Duration lifetime) {
        this.refreshTokenLifetime = requireWholeSeconds(lifetime);
    }

    void revokeRefreshTokens() {
        this.refreshTokens.clear();
    }

    void revokeAccessTokens() {
        this.accessTokens.clear();
    }

    boolean isAccessTokenActive(@Nullable String token) {
        if (token == null) {
            return false;
        }
        Issued issued = this.accessTokens.get(token);
        return issued != null && now().isBefore(issued.expiresAt);
    }

    @Nullable Instant expiresAt(String token) {
        Issued issued = this.accessTokens.get(token);
        return (issued != null) ? issued.expiresAt : null;
    }

    @Nullable String userOf(String token) {
        Issued issued = this.accessTokens.get(token);
        return (issued != null && isAccessTokenActive(token)) ? issued.username : null;
    }

    /** The user of a live refresh token, or {@code null} when it is unknown, revoked or expired. */
    @Nullable String refreshTokenUser(@Nullable String refreshToken) {
        Issued issued = (refreshToken != null) ? this.refreshTokens.get(refreshToken) : null;
        return (issued != null && now().isBefore(issued.expiresAt)) ? issued.username : null;
    }

    List<String> issuedAccessTokens() {
        return this.accessTokens.entrySet()
            .stream()
            .sorted(Map.Entry.comparingByValue((a, b) -> a.issuedAt.compareTo(b.issuedAt)))
            .map(Map.Entry::getKey)
            .toList();
    }

    /** A Keycloak-shaped token answer for the user, with fresh tokens. */
    Map<String, Object> issue(String username, String issuer, String clientId) {
        Instant now = now();
        Duration accessLifetime = this.accessTokenLifetime;
        Duration refreshLifetime = this.refreshTokenLifetime;
        String access = jwt(username, now, accessLifetime, "Bearer", issuer, clientId);
        String refresh = jwt(username, now, refreshLifetime, "Refresh", issuer, clientId);
        this.accessTokens.put(access, new Issued(username, now, now.plus(accessLifetime)));
        this.refreshTokens.put(refresh, new Issued(username, now, now.plus(refreshLifetime)));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", access);
        body.put("expires_in", accessLifetime.toSeconds());
        body.put("refresh_expires_in", refreshLifetime.toSeconds());
        body.put("refresh_token", refresh);
        body.put("token_type", "Bearer");
        body.put("not-before-policy", 0);
        body.put("session_state", UUID.randomUUID().toString());
        body.put("scope", "profile email");
        return body;
    }

    private String jwt(String username, Instant now, Duration lifetime, String type, String issuer, String clientId) {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("exp", now.plus(lifetime).getEpochSecond());
        claims.put("iat", now.getEpochSecond());
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("iss", issuer);
        claims.put("sub", UUID.nameUUIDFromBytes(username.getBytes(StandardCharsets.UTF_8)).toString());
        claims.put("typ", type);
        claims.put("azp", clientId);
        claims.put("preferred_username", username);
        byte[] signature = new byte[32];
        RANDOM.nextBytes(signature);
        return encoder.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + encoder.encodeToString(this.json.writeValueAsBytes(claims)) + "." + encoder.encodeToString(signature);
    }

    static Duration requireWholeSeconds(Duration lifetime) {
        if (lifetime.toMillis() < 1000 || lifetime.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("Token lifetimes are whole seconds (expires_in), at least 1s");
        }
        return lifetime;
    }

    private record Issued(String username, Instant issuedAt, Instant expiresAt) {
    }
}
