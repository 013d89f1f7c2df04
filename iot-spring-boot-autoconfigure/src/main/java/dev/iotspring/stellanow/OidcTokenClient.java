package dev.iotspring.stellanow;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The HTTP side of the OIDC token source: one request to the realm's token endpoint (password or refresh-token
 * grant), its answer parsed into {@link OidcTokens} or sorted into a permanent or transient
 * {@link StellaNowAuthenticationException}. Stateless; the caller keeps the tokens and decides when to ask.
 * No message it builds carries the password, a token or the body of a successful answer.
 */
final class OidcTokenClient {

    /** Keycloak's usual answer lacks nothing, but Python assumes 60 s when expires_in is missing. */
    private static final long DEFAULT_EXPIRES_IN = 60;

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final WebClient webClient;

    private final URI tokenEndpoint;

    private final String clientId;

    private final String username;

    private final String password;

    private final Duration requestTimeout;

    private final Clock clock;

    OidcTokenClient(WebClient webClient, URI tokenEndpoint, String clientId, String username, String password,
            Duration requestTimeout, Clock clock) {
        this.webClient = Objects.requireNonNull(webClient, "webClient");
        this.tokenEndpoint = Objects.requireNonNull(tokenEndpoint, "tokenEndpoint");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.username = Objects.requireNonNull(username, "username");
        this.password = Objects.requireNonNull(password, "password");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    String username() {
        return this.username;
    }

    URI tokenEndpoint() {
        return this.tokenEndpoint;
    }

    String clientId() {
        return this.clientId;
    }

    Duration requestTimeout() {
        return this.requestTimeout;
    }

    /** Resource-owner password grant. */
    OidcTokens login() {
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        form.add("grant_type", "password");
        form.add("client_id", this.clientId);
        form.add("username", this.username);
        form.add("password", this.password);
        return request(form, true);
    }

    /** Refresh-token grant. */
    OidcTokens refresh(String refreshToken) {
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        form.add("grant_type", "refresh_token");
        form.add("client_id", this.clientId);
        form.add("refresh_token", refreshToken);
        return request(form, false);
    }

    private OidcTokens request(MultiValueMap<String, String> form, boolean login) {
        Instant sentAt = this.clock.instant();
        Response response;
        try {
            response = this.webClient.post()
                .uri(this.tokenEndpoint)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .accept(MediaType.APPLICATION_JSON)
                .body(BodyInserters.fromFormData(form))
                .exchangeToMono((r) -> r.bodyToMono(String.class)
                    .defaultIfEmpty("")
                    .map((body) -> new Response(r.statusCode().value(),
                            r.headers().contentType().map(MediaType::toString).orElse(""), body)))
                // A server that accepts the request and never answers must not hold the connect attempt forever.
                .timeout(this.requestTimeout)
                .block();
        }
        catch (RuntimeException ex) {
            if (hasCause(ex, TimeoutException.class)) {
                throw new StellaNowAuthenticationException("Token endpoint " + this.tokenEndpoint
                        + " did not answer within " + this.requestTimeout.toMillis() + " ms", false, 0, null, ex);
            }
            throw new StellaNowAuthenticationException("Token endpoint " + this.tokenEndpoint + " not reachable: "
                    + rootMessage(ex), false, 0, null, ex);
        }
        if (response == null) {
            throw new StellaNowAuthenticationException("Token endpoint " + this.tokenEndpoint + " gave no answer",
                    false, 0, null, null);
        }
        if (response.status / 100 == 2) {
            return parseTokens(response.status, response.body, sentAt);
        }
        throw classify(response.status, response.contentType, response.body, login);
    }

    /** A 2xx answer: its body is never quoted, since it may hold tokens. */
    static OidcTokens parseTokens(int status, String body, Instant issuedAt) {
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        }
        catch (JacksonException ex) {
            node = null;
        }
        if (node == null || !node.isObject()) {
            throw new StellaNowAuthenticationException("The token endpoint answered HTTP " + status
                    + " with a body that is not a JSON object", false, status, null, null);
        }
        String access = text(node, "access_token");
        if (access == null || access.isBlank()) {
            throw new StellaNowAuthenticationException("The token endpoint answered HTTP " + status
                    + " without an access_token", false, status, null, null);
        }
        long expiresIn = node.path("expires_in").asLong(DEFAULT_EXPIRES_IN);
        if (expiresIn <= 0) {
            expiresIn = DEFAULT_EXPIRES_IN;
        }
        String refresh = text(node, "refresh_token");
        long refreshExpiresIn = node.path("refresh_expires_in").asLong(0);
        Instant refreshExpiresAt = (refresh == null) ? null
                : (refreshExpiresIn > 0) ? issuedAt.plusSeconds(refreshExpiresIn) : Instant.MAX;
        return new OidcTokens(access, refresh, issuedAt, issuedAt.plusSeconds(expiresIn), refreshExpiresAt);
    }

    /**
     * Sorts an error answer of the token endpoint (Python SDK 0.1.5 rules, stricter on the client id).
     * HTML pages and 5xx/429 are transient; for a login, OAuth errors are permanent; for a refresh, 400/401 mean
     * the refresh token is dead (the caller logs in), except a rejected client, which is permanent.
     */
    static StellaNowAuthenticationException classify(int status, String contentType, String body, boolean login) {
        String trimmed = body.strip();
        boolean html = contentType.toLowerCase(Locale.ROOT).contains("html") || trimmed.startsWith("<");
        String error = null;
        String description = null;
        if (!html && trimmed.startsWith("{")) {
            try {
                JsonNode node = MAPPER.readTree(trimmed);
                error = text(node, "error");
                description = text(node, "error_description");
            }
            catch (JacksonException ex) {
                // not JSON after all
            }
        }
        String what = (login ? "Login" : "Token refresh") + " at the StellaNow identity provider failed: HTTP "
                + status + ((error != null) ? " " + error : "") + ((description != null) ? " (" + description + ")" : "")
                + (html ? " (HTML page)" : "");
        if (html || status >= 500 || status == 429 || status == 408) {
            return new StellaNowAuthenticationException(what, false, status, error, null);
        }
        String text = ((error != null) ? error : "") + " " + ((description != null) ? description : "");
        text = text.toLowerCase(Locale.ROOT);
        boolean clientRejected = text.contains("client") && (text.contains("invalid") || text.contains("unauthorized"));
        if (clientRejected) {
            return new StellaNowAuthenticationException(what, true, status, error, null);
        }
        boolean permanent;
        if (login) {
            permanent = (status == 401 && (text.contains("grant") || text.contains("credential")
                    || text.contains("disabled") || text.contains("locked") || error != null))
                    || (status == 400 && error != null)
                    || (status == 403 && error != null
                            && (text.contains("denied") || text.contains("forbidden") || text.contains("insufficient")
                                    || text.contains("access")));
        }
        else {
            permanent = status == 403 && error != null;
        }
        return new StellaNowAuthenticationException(what, permanent, status, error, null);
    }

    private static @Nullable String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return (value != null && value.isString()) ? value.asString() : null;
    }

    private static boolean hasCause(Throwable ex, Class<? extends Throwable> type) {
        for (Throwable t = ex; t != null; t = (t.getCause() != t) ? t.getCause() : null) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable ex) {
        Throwable root = ex;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ((root.getMessage() != null) ? ": " + root.getMessage() : "");
    }

    @Override
    public String toString() {
        return "OidcTokenClient[endpoint=" + this.tokenEndpoint + ", clientId=" + this.clientId + ", username="
                + this.username + "]";
    }

    private record Response(int status, String contentType, String body) {
    }
}
