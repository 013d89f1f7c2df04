package dev.iotspring.test.stellanow;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * <li>the {@link Fault}s, injected with {@link #failNext(Fault, int)} or {@link #setFault(Fault)}: 503 and 502
 * HTML pages, a 500 JSON error, wrong credentials whatever was sent, a 200 that is not JSON or lacks the
 * {@code access_token}, and no answer at all</li>
 * </ul>
 * Every token request is recorded ({@link #requests()}) without its secrets. The issued tokens live in
 * {@link IdentityProviderTokens}, the fault switches in {@link IdentityProviderFaults}; this class serves HTTP.
 */
public final class StellaNowIdentityProvider implements AutoCloseable {

    /** The OIDC client every StellaNow SDK uses. */
    public static final String DEFAULT_CLIENT_ID = "event-ingestor";

    private final String realm;

    private final String clientId;

    private final Map<String, String> users = new ConcurrentHashMap<>();

    private final IdentityProviderTokens tokens;

    private final IdentityProviderFaults faults = new IdentityProviderFaults();

    private final List<TokenRequest> requests = new ArrayList<>();

    private final JsonMapper json = JsonMapper.builder().build();

    private volatile @Nullable IsolatedLoopHttpServer server;

    private final @Nullable PrivateKey tlsKey;

    private final X509Certificate[] tlsChain;

    private StellaNowIdentityProvider(Builder builder) {
        this.realm = builder.realm;
        this.tlsKey = builder.tlsKey;
        this.tlsChain = builder.tlsChain;
        this.clientId = builder.clientId;
        this.users.putAll(builder.users);
        this.tokens = new IdentityProviderTokens(builder.clock, builder.accessTokenLifetime,
                builder.refreshTokenLifetime);
    }

    public static Builder builder(String realm) {
        return new Builder(realm);
    }

    /** Binds the HTTP server (https with {@link Builder#tls}) on 127.0.0.1 and a free port. */
    public synchronized StellaNowIdentityProvider start() {
        if (this.server == null) {
            String base = "/auth/realms/{realm}";
            HttpServer http = (this.tlsKey != null)
                    ? IsolatedLoopHttpServer.secure(HttpServer.create(), this.tlsKey, this.tlsChain) : HttpServer.create();
            // Own event loops: a test's Spring context disposes Reactor Netty's global ones when it closes.
            this.server = IsolatedLoopHttpServer.bind("stellanow-idp", http
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

    /**
     * The platform's API base URL as the fake serves it: {@code http://127.0.0.1:{port}}, or
     * {@code https://localhost:{port}} with {@link Builder#tls} (the name a test CA's server certificate holds).
     */
    public URI baseUrl() {
        IsolatedLoopHttpServer current = this.server;
        if (current == null) {
            throw new IllegalStateException("The identity provider is not started");
        }
        return URI.create(((this.tlsKey != null) ? "https://localhost:" : "http://127.0.0.1:") + current.port());
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
        this.tokens.setAccessTokenLifetime(lifetime);
    }

    public void setRefreshTokenLifetime(Duration lifetime) {
        this.tokens.setRefreshTokenLifetime(lifetime);
    }

    /** Makes every refresh token issued so far dead, as a Keycloak session logout or restart does. */
    public void revokeRefreshTokens() {
        this.tokens.revokeRefreshTokens();
    }

    /** Makes every access token issued so far inactive (the broker then refuses them). */
    public void revokeAccessTokens() {
        this.tokens.revokeAccessTokens();
    }

    /** Answers the next {@code count} token requests with the fault, then behaves again. */
    public void failNext(Fault fault, int count) {
        this.faults.failNext(Objects.requireNonNull(fault, "fault"), count);
    }

    /** Answers every token request with the fault until {@code setFault(null)}. */
    public void setFault(@Nullable Fault fault) {
        this.faults.set(fault);
    }

    /** Switches every fault off, including those scheduled by {@link #failNext(Fault, int)}. */
    public void clearFaults() {
        this.faults.clear();
    }

    /** Whether the access token was issued here and has not expired or been revoked. */
    public boolean isAccessTokenActive(@Nullable String token) {
        return this.tokens.isAccessTokenActive(token);
    }

    /** When an access token issued here expires (or expired), or {@code null} for an unknown or revoked one. */
    public @Nullable Instant accessTokenExpiresAt(String token) {
        return this.tokens.expiresAt(token);
    }

    /** The user an active access token was issued to, or {@code null}. */
    public @Nullable String userOf(String token) {
        return this.tokens.userOf(token);
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
        return this.tokens.issuedAccessTokens();
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
            TokenAnswer answer = answer(requestRealm, form);
            record(form, answer.status());
            if (answer.silent()) {
                // Held open until the client gives up and closes the connection.
                return Mono.never();
            }
            String text = (answer.json() != null) ? this.json.writeValueAsString(answer.json()) : answer.raw();
            return response.status(HttpResponseStatus.valueOf(answer.status()))
                .header("Content-Type", answer.contentType())
                .header("Cache-Control", "no-store")
                .sendString(Mono.just(text))
                .then();
        });
    }

    private TokenAnswer answer(@Nullable String requestRealm, Map<String, String> form) {
        Fault fault = this.faults.next();
        if (fault != null) {
            return IdentityProviderFaults.answer(fault);
        }
        if (!this.realm.equals(requestRealm)) {
            return TokenAnswer.json(404, Map.of("error", "Realm does not exist"));
        }
        if (!this.clientId.equals(form.get("client_id"))) {
            return TokenAnswer.json(401,
                    Map.of("error", "invalid_client", "error_description", "Invalid client or Invalid client credentials"));
        }
        String grantType = form.getOrDefault("grant_type", "");
        switch (grantType) {
            case "password": {
                String username = form.get("username");
                String expected = (username != null) ? this.users.get(username) : null;
                if (expected == null || !expected.equals(form.get("password"))) {
                    return TokenAnswer.invalidCredentials();
                }
                return TokenAnswer.json(200, this.tokens.issue(username, issuer().toString(), this.clientId));
            }
            case "refresh_token": {
                String username = this.tokens.refreshTokenUser(form.get("refresh_token"));
                if (username == null) {
                    return TokenAnswer.json(400,
                            Map.of("error", "invalid_grant", "error_description", "Token is not active"));
                }
                return TokenAnswer.json(200, this.tokens.issue(username, issuer().toString(), this.clientId));
            }
            default:
                return TokenAnswer.json(400, Map.of("error", "unsupported_grant_type", "error_description",
                        "Unsupported grant_type"));
        }
    }

    private synchronized void record(Map<String, String> form, int status) {
        this.requests.add(new TokenRequest(this.tokens.now(), form.getOrDefault("grant_type", ""),
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
        INVALID_CREDENTIALS,

        /** 200 with an HTML page (a captive portal or a misrouted proxy): a success that is not JSON. */
        OK_NOT_JSON,

        /** 200 with a JSON object that has no {@code access_token}. */
        OK_WITHOUT_ACCESS_TOKEN,

        /** The request is read and never answered (recorded with status 0); the client must time out. */
        NO_ANSWER
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
     * @param status the HTTP status answered, 0 for {@link Fault#NO_ANSWER}
     */
    public record TokenRequest(Instant at, String grantType, @Nullable String clientId, @Nullable String username,
            boolean passwordPresent, @Nullable String refreshToken, int status) {
    }

    public static final class Builder {

        private final String realm;

        private String clientId = DEFAULT_CLIENT_ID;

        private final Map<String, String> users = new LinkedHashMap<>();

        private Duration accessTokenLifetime = Duration.ofSeconds(300);

        private Duration refreshTokenLifetime = Duration.ofSeconds(1800);

        private Clock clock = Clock.systemUTC();

        private @Nullable PrivateKey tlsKey;

        private X509Certificate[] tlsChain = new X509Certificate[0];

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
            this.accessTokenLifetime = IdentityProviderTokens.requireWholeSeconds(lifetime);
            return this;
        }

        /** {@code refresh_expires_in} (whole seconds; default 1800 s as Keycloak). */
        public Builder refreshTokenLifetime(Duration lifetime) {
            this.refreshTokenLifetime = IdentityProviderTokens.requireWholeSeconds(lifetime);
            return this;
        }

        /**
         * Serves https with this key and certificate chain (server certificate first), as the platform's API is
         * served: clients that refuse plain http for OIDC discovery (openid-client, say) need it. The certificate
         * must name {@code localhost}.
         */
        public Builder tls(PrivateKey key, X509Certificate... chain) {
            this.tlsKey = Objects.requireNonNull(key, "key");
            this.tlsChain = chain.clone();
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
