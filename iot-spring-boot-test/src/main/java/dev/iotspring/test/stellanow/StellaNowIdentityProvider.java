package dev.iotspring.test.stellanow;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.test.netty.IsolatedLoopHttpServer;

/**
 * A fake of StellaNow's Keycloak realm, enough for the SDKs' OIDC use: the discovery document and the token
 * endpoint with the resource-owner password grant and the refresh-token grant for a public client
 * ({@code event-ingestor}). Binds to 127.0.0.1 on a random port; its {@link #baseUrl()} plays the role of the
 * platform's API base URL ({@code https://api.prod.stella.cloud}).
 *
 * <p>Tokens are unique per issue and JWT-shaped (unsigned). Lifetimes are configurable, so tests use seconds
 * instead of waiting minutes. Error modes follow what Keycloak answers:
 * <ul>
 * <li>wrong user or password: 401 {@code {"error":"invalid_grant","error_description":"Invalid user credentials"}}</li>
 * <li>dead refresh token (expired, {@linkplain #revokeRefreshTokens() revoked}, unknown): 400
 * {@code {"error":"invalid_grant","error_description":"Token is not active"}}</li>
 * <li>unknown client id: 401 {@code {"error":"invalid_client",...}}</li>
 * <li>{@link Fault#SERVICE_UNAVAILABLE} (503) and {@link Fault#HTML_PAGE} (502 with an HTML proxy page), injected
 * with {@link #failNext(Fault, int)} or {@link #setFault(Fault)}</li>
 * </ul>
 * Every token request is recorded ({@link #requests()}) without its secrets.
 */
public final class StellaNowIdentityProvider implements AutoCloseable {

    /** The OIDC client every StellaNow SDK uses. */
    public static final String DEFAULT_CLIENT_ID = "event-ingestor";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String realm;

    private final String clientId;

    private final Map<String, String> users = new ConcurrentHashMap<>();

    private final Map<String, Issued> accessTokens = new ConcurrentHashMap<>();

    private final Map<String, Issued> refreshTokens = new ConcurrentHashMap<>();

    private final List<TokenRequest> requests = new ArrayList<>();

    private final Deque<Fault> scheduledFaults = new ArrayDeque<>();

    private final JsonMapper json = JsonMapper.builder().build();

    private final Clock clock;

    private volatile Duration accessTokenLifetime;

    private volatile Duration refreshTokenLifetime;

    private volatile @Nullable Fault fault;

    private volatile @Nullable IsolatedLoopHttpServer server;

    private StellaNowIdentityProvider(Builder builder) {
        this.realm = builder.realm;
        this.clientId = builder.clientId;
        this.users.putAll(builder.users);
        this.accessTokenLifetime = builder.accessTokenLifetime;
        this.refreshTokenLifetime = builder.refreshTokenLifetime;
        this.clock = builder.clock;
    }

    public static Builder builder(String realm) {
        return new Builder(realm);
    }

    /** Binds the HTTP server on 127.0.0.1 and a free port. */
    public synchronized StellaNowIdentityProvider start() {
        if (this.server == null) {
            String base = "/auth/realms/{realm}";
            // Own event loops: a test's Spring context disposes Reactor Netty's global ones when it closes.
            this.server = IsolatedLoopHttpServer.bind("stellanow-idp", HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route((routes) -> routes.get(base + "/.well-known/openid-configuration", this::discovery)
                    .post(base + "/protocol/openid-connect/token", this::token)));
        }
        return this;
    }

    @Override
    public synchronized void close() {
        if (this.server != null) {
            IsolatedLoopHttpServer current = this.server;
            this.server = null;
            current.close(Duration.ofSeconds(5));
        }
    }

    /** The platform's API base URL as the fake serves it: {@code http://127.0.0.1:{port}}. */
    public URI baseUrl() {
        IsolatedLoopHttpServer current = this.server;
        if (current == null) {
            throw new IllegalStateException("The identity provider is not started");
        }
        return URI.create("http://127.0.0.1:" + current.port());
    }

    /** {@code {baseUrl}/auth/realms/{realm}}. */
    public URI issuer() {
        return URI.create(baseUrl() + "/auth/realms/" + this.realm);
    }

    public URI tokenEndpoint() {
        return URI.create(issuer() + "/protocol/openid-connect/token");
    }

    public String realm() {
        return this.realm;
    }

    public String clientId() {
        return this.clientId;
    }

    /** Adds or changes a user. */
    public void setUser(String username, String password) {
        this.users.put(username, password);
    }

    public void setAccessTokenLifetime(Duration lifetime) {
        this.accessTokenLifetime = requireWholeSeconds(lifetime);
    }

    public void setRefreshTokenLifetime(Duration lifetime) {
        this.refreshTokenLifetime = requireWholeSeconds(lifetime);
    }

    /** Makes every refresh token issued so far dead, as a Keycloak session logout or restart does. */
    public void revokeRefreshTokens() {
        this.refreshTokens.clear();
    }

    /** Makes every access token issued so far inactive (the broker then refuses them). */
    public void revokeAccessTokens() {
        this.accessTokens.clear();
    }

    /** Answers the next {@code count} token requests with the fault, then behaves again. */
    public synchronized void failNext(Fault fault, int count) {
        for (int i = 0; i < count; i++) {
            this.scheduledFaults.add(fault);
        }
    }

    /** Answers every token request with the fault until {@code setFault(null)}. */
    public void setFault(@Nullable Fault fault) {
        this.fault = fault;
    }

    /** Whether the access token was issued here and has not expired or been revoked. */
    public boolean isAccessTokenActive(@Nullable String token) {
        if (token == null) {
            return false;
        }
        Issued issued = this.accessTokens.get(token);
        return issued != null && this.clock.instant().isBefore(issued.expiresAt);
    }

    /** The user an active access token was issued to, or {@code null}. */
    public @Nullable String userOf(String token) {
        Issued issued = this.accessTokens.get(token);
        return (issued != null && isAccessTokenActive(token)) ? issued.username : null;
    }

    /** Every token request so far, oldest first. */
    public synchronized List<TokenRequest> requests() {
        return List.copyOf(this.requests);
    }

    /** Token requests with the given grant type ({@code password} or {@code refresh_token}). */
    public synchronized List<TokenRequest> requests(String grantType) {
        return this.requests.stream().filter((r) -> grantType.equals(r.grantType())).toList();
    }

    public synchronized void clearRequests() {
        this.requests.clear();
    }

    /** Access tokens issued so far (active or not), in issue order. */
    public List<String> issuedAccessTokens() {
        return this.accessTokens.entrySet()
            .stream()
            .sorted(Map.Entry.comparingByValue((a, b) -> a.issuedAt.compareTo(b.issuedAt)))
            .map(Map.Entry::getKey)
            .toList();
    }

    private Mono<Void> discovery(HttpServerRequest request, HttpServerResponse response) {
        if (!this.realm.equals(request.param("realm"))) {
            return send(response, 404, Map.of("error", "Realm does not exist"));
        }
        String issuer = issuer().toString();
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("issuer", issuer);
        document.put("authorization_endpoint", issuer + "/protocol/openid-connect/auth");
        document.put("token_endpoint", issuer + "/protocol/openid-connect/token");
        document.put("grant_types_supported", List.of("password", "refresh_token"));
        return send(response, 200, document);
    }

    private Mono<Void> token(HttpServerRequest request, HttpServerResponse response) {
        String requestRealm = request.param("realm");
        return request.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("").flatMap((body) -> {
            Map<String, String> form = parseForm(body);
            Answer answer = answer(requestRealm, form);
            record(form, answer.status);
            if (answer.html != null) {
                return response.status(answer.status)
                    .header("Content-Type", "text/html; charset=utf-8")
                    .sendString(Mono.just(answer.html))
                    .then();
            }
            return send(response, answer.status, answer.body);
        });
    }

    private Answer answer(@Nullable String requestRealm, Map<String, String> form) {
        Fault next = nextFault();
        if (next != null) {
            return switch (next) {
                case SERVICE_UNAVAILABLE -> new Answer(503, null, "<html><body><h1>503 Service Unavailable</h1>"
                        + "No server is available to handle this request.</body></html>");
                case HTML_PAGE -> new Answer(502, null,
                        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
                                + "<center><h1>502 Bad Gateway</h1></center></body></html>");
                case INVALID_CREDENTIALS -> invalidCredentials();
                case SERVER_ERROR_JSON -> new Answer(500,
                        Map.of("error", "unknown_error", "error_description", "Internal server error"), null);
            };
        }
        if (!this.realm.equals(requestRealm)) {
            return new Answer(404, Map.of("error", "Realm does not exist"), null);
        }
        if (!this.clientId.equals(form.get("client_id"))) {
            return new Answer(401,
                    Map.of("error", "invalid_client", "error_description", "Invalid client or Invalid client credentials"),
                    null);
        }
        String grantType = form.getOrDefault("grant_type", "");
        switch (grantType) {
            case "password": {
                String username = form.get("username");
                String expected = (username != null) ? this.users.get(username) : null;
                if (expected == null || !expected.equals(form.get("password"))) {
                    return invalidCredentials();
                }
                return new Answer(200, issue(username), null);
            }
            case "refresh_token": {
                String refreshToken = form.get("refresh_token");
                Issued issued = (refreshToken != null) ? this.refreshTokens.get(refreshToken) : null;
                if (issued == null || !this.clock.instant().isBefore(issued.expiresAt)) {
                    return new Answer(400,
                            Map.of("error", "invalid_grant", "error_description", "Token is not active"), null);
                }
                return new Answer(200, issue(issued.username), null);
            }
            default:
                return new Answer(400, Map.of("error", "unsupported_grant_type", "error_description",
                        "Unsupported grant_type"), null);
        }
    }

    private static Answer invalidCredentials() {
        return new Answer(401, Map.of("error", "invalid_grant", "error_description", "Invalid user credentials"),
                null);
    }

    private synchronized @Nullable Fault nextFault() {
        Fault scheduled = this.scheduledFaults.poll();
        return (scheduled != null) ? scheduled : this.fault;
    }

    private Map<String, Object> issue(String username) {
        Instant now = this.clock.instant();
        Duration accessLifetime = this.accessTokenLifetime;
        Duration refreshLifetime = this.refreshTokenLifetime;
        String access = jwt(username, now, accessLifetime, "Bearer");
        String refresh = jwt(username, now, refreshLifetime, "Refresh");
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

    private String jwt(String username, Instant now, Duration lifetime, String type) {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("exp", now.plus(lifetime).getEpochSecond());
        claims.put("iat", now.getEpochSecond());
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("iss", issuer().toString());
        claims.put("sub", UUID.nameUUIDFromBytes(username.getBytes(StandardCharsets.UTF_8)).toString());
        claims.put("typ", type);
        claims.put("azp", this.clientId);
        claims.put("preferred_username", username);
        byte[] signature = new byte[32];
        RANDOM.nextBytes(signature);
        return encoder.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + encoder.encodeToString(this.json.writeValueAsBytes(claims)) + "." + encoder.encodeToString(signature);
    }

    private synchronized void record(Map<String, String> form, int status) {
        this.requests.add(new TokenRequest(this.clock.instant(), form.getOrDefault("grant_type", ""),
                form.get("client_id"), form.get("username"), form.containsKey("password"),
                form.get("refresh_token"), status));
    }

    private Mono<Void> send(HttpServerResponse response, int status, Object body) {
        return response.status(HttpResponseStatus.valueOf(status))
            .header("Content-Type", "application/json")
            .header("Cache-Control", "no-store")
            .sendString(Mono.just(this.json.writeValueAsString(body)))
            .then();
    }

    private static Map<String, String> parseForm(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode((eq < 0) ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = (eq < 0) ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            form.putIfAbsent(name, value);
        }
        return form;
    }

    private static Duration requireWholeSeconds(Duration lifetime) {
        if (lifetime.toMillis() < 1000 || lifetime.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("Token lifetimes are whole seconds (expires_in), at least 1s");
        }
        return lifetime;
    }

    @Override
    public String toString() {
        return "StellaNowIdentityProvider[realm=" + this.realm + ", running=" + (this.server != null) + "]";
    }

    /** Error answers the fake can give instead of a token. */
    public enum Fault {

        /** 503 with an HTML body, as a load balancer answers while Keycloak is down. */
        SERVICE_UNAVAILABLE,

        /** 502 with an HTML page from a proxy. */
        HTML_PAGE,

        /** 500 with an OAuth-style JSON body. */
        SERVER_ERROR_JSON,

        /** 401 invalid_grant "Invalid user credentials", whatever the request. */
        INVALID_CREDENTIALS
    }

    /**
     * One request to the token endpoint, without secrets.
     *
     * @param at when it arrived
     * @param grantType {@code password} or {@code refresh_token}
     * @param clientId the client_id field
     * @param username the username field (password grant)
     * @param passwordPresent whether a password field was sent
     * @param refreshToken the refresh token presented (refresh grant)
     * @param status the HTTP status answered
     */
    public record TokenRequest(Instant at, String grantType, @Nullable String clientId, @Nullable String username,
            boolean passwordPresent, @Nullable String refreshToken, int status) {
    }

    private record Issued(String username, Instant issuedAt, Instant expiresAt) {
    }

    private record Answer(int status, @Nullable Map<String, ?> body, @Nullable String html) {
    }

    public static final class Builder {

        private final String realm;

        private String clientId = DEFAULT_CLIENT_ID;

        private final Map<String, String> users = new LinkedHashMap<>();

        private Duration accessTokenLifetime = Duration.ofSeconds(300);

        private Duration refreshTokenLifetime = Duration.ofSeconds(1800);

        private Clock clock = Clock.systemUTC();

        private Builder(String realm) {
            this.realm = Objects.requireNonNull(realm, "realm");
        }

        public Builder clientId(String clientId) {
            this.clientId = clientId;
            return this;
        }

        public Builder user(String username, String password) {
            this.users.put(username, password);
            return this;
        }

        /** {@code expires_in} of issued access tokens (whole seconds; default 300 s as Keycloak). */
        public Builder accessTokenLifetime(Duration lifetime) {
            this.accessTokenLifetime = requireWholeSeconds(lifetime);
            return this;
        }

        /** {@code refresh_expires_in} (whole seconds; default 1800 s as Keycloak). */
        public Builder refreshTokenLifetime(Duration lifetime) {
            this.refreshTokenLifetime = requireWholeSeconds(lifetime);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public StellaNowIdentityProvider build() {
            return new StellaNowIdentityProvider(this);
        }
    }
}
