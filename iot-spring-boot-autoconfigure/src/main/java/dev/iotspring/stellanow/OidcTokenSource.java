package dev.iotspring.stellanow;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Access tokens for the StellaNow broker from the platform's Keycloak realm (OIDC resource-owner password grant
 * against {@code {api}/auth/realms/{organizationId}/protocol/openid-connect/token}, public client
 * {@code event-ingestor}).
 *
 * <ul>
 * <li>{@link #accessToken()} returns a token that is valid now, logging in or refreshing first when needed; the
 * MQTT connection asks it at every CONNECT.</li>
 * <li>After {@link #start()}, a background task refreshes the token before it expires (at the later of
 * {@code expires_in - refreshBeforeExpiry} and a third of the lifetime) and tells the listeners, so the
 * connection can carry the fresh token to the broker.</li>
 * <li>A dead refresh token (HTTP 400/401 to the refresh) leads to one new password login.</li>
 * <li>Wrong credentials, a disabled account or a rejected client are permanent: after two quick retries (several
 * instances sharing one account can race) the source stops calling the identity provider and every later
 * {@link #accessToken()} fails at once with the same {@link StellaNowAuthenticationException}.</li>
 * <li>Server errors, HTML error pages and network failures are transient: retried with a backoff from 1 s
 * doubling to 10 s (server) or 30 s (network); a still-valid token keeps being used meanwhile.</li>
 * </ul>
 */
public final class OidcTokenSource implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(OidcTokenSource.class);

    /** Keycloak's usual answer lacks nothing, but Python assumes 60 s when expires_in is missing. */
    private static final long DEFAULT_EXPIRES_IN = 60;

    private static final Duration[] LOGIN_RACE_RETRIES = { Duration.ofMillis(100), Duration.ofMillis(300) };

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final WebClient webClient;

    private final URI tokenEndpoint;

    private final String clientId;

    private final String username;

    private final String password;

    private final Duration refreshBeforeExpiry;

    private final Duration requestTimeout;

    private final Clock clock;

    private final JsonMapper mapper = JsonMapper.builder().build();

    private final ScheduledExecutorService scheduler;

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    private final Object lock = new Object();

    private @Nullable Tokens tokens;

    private volatile @Nullable StellaNowAuthenticationException permanentFailure;

    private volatile @Nullable StellaNowAuthenticationException lastFailure;

    private @Nullable ScheduledFuture<?> refreshTask;

    private int transientFailures;

    private volatile boolean closed;

    /**
     * @param webClient the HTTP client (timeouts and TLS from core.http)
     * @param tokenEndpoint the realm's token endpoint, see {@link #tokenEndpoint(URI, UUID)}
     * @param clientId OIDC client id, {@code event-ingestor} for StellaNow
     * @param username OIDC user
     * @param password OIDC password
     * @param refreshBeforeExpiry how long before expiry to refresh (capped at two thirds of the lifetime)
     * @param requestTimeout the longest a token request may take
     */
    public OidcTokenSource(WebClient webClient, URI tokenEndpoint, String clientId, String username, String password,
            Duration refreshBeforeExpiry, Duration requestTimeout) {
        this(webClient, tokenEndpoint, clientId, username, password, refreshBeforeExpiry, requestTimeout,
                Clock.systemUTC());
    }

    OidcTokenSource(WebClient webClient, URI tokenEndpoint, String clientId, String username, String password,
            Duration refreshBeforeExpiry, Duration requestTimeout, Clock clock) {
        this.webClient = Objects.requireNonNull(webClient, "webClient");
        this.tokenEndpoint = Objects.requireNonNull(tokenEndpoint, "tokenEndpoint");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.username = Objects.requireNonNull(username, "username");
        this.password = Objects.requireNonNull(password, "password");
        this.refreshBeforeExpiry = refreshBeforeExpiry;
        this.requestTimeout = requestTimeout;
        this.clock = clock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor((runnable) -> {
            Thread thread = new Thread(runnable, "stellanow-oidc-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** {@code {apiBaseUrl}/auth/realms/{organizationId}/protocol/openid-connect/token}. */
    public static URI tokenEndpoint(URI apiBaseUrl, UUID organizationId) {
        String base = apiBaseUrl.toString();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + "/auth/realms/" + organizationId + "/protocol/openid-connect/token");
    }

    /** Logs in in the background and keeps the token fresh from then on. */
    public void start() {
        this.scheduler.execute(this::refreshInBackground);
    }

    /** Registers a callback for fresh tokens and permanent failures. */
    public void addListener(Listener listener) {
        this.listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * A token that is valid now; logs in or refreshes first when the held one is missing or about to expire.
     * Blocks for at most a few request timeouts; do not call it on a non-blocking (event loop) thread.
     * @throws StellaNowAuthenticationException when no token can be obtained; see {@link #isPermanentlyFailed()}
     */
    public String accessToken() {
        synchronized (this.lock) {
            Tokens current = this.tokens;
            if (current != null && current.accessUsable(this.clock.instant())) {
                return current.accessToken;
            }
            return obtain().accessToken;
        }
    }

    /** Refreshes now (used by the background task and by tests), whatever the held token's expiry. */
    void refreshNow() {
        refreshInBackground();
    }

    /** Whether credentials were rejected for good; nothing is sent to the identity provider any more. */
    public boolean isPermanentlyFailed() {
        return this.permanentFailure != null;
    }

    /** The failure that stopped the source, or {@code null}. */
    public @Nullable StellaNowAuthenticationException permanentFailure() {
        return this.permanentFailure;
    }

    /** The most recent failure (transient or permanent), cleared by the next success. */
    public @Nullable StellaNowAuthenticationException lastFailure() {
        return this.lastFailure;
    }

    /** When the held access token expires, or {@code null} when none is held. */
    public @Nullable Instant accessTokenExpiresAt() {
        Tokens current = this.tokens;
        return (current != null) ? current.accessExpiresAt : null;
    }

    @Override
    public void close() {
        this.closed = true;
        this.scheduler.shutdownNow();
    }

    // Called with the lock held.
    private Tokens obtain() {
        StellaNowAuthenticationException permanent = this.permanentFailure;
        if (permanent != null) {
            throw permanent;
        }
        Tokens current = this.tokens;
        Instant now = this.clock.instant();
        try {
            Tokens fresh = null;
            if (current != null && current.refreshUsable(now)) {
                try {
                    fresh = request(refreshForm(current.refreshToken), false);
                }
                catch (StellaNowAuthenticationException ex) {
                    if (!ex.isPermanent() && ex.getStatus() != 400 && ex.getStatus() != 401) {
                        throw ex;
                    }
                    // The refresh token is dead (revoked, session ended, server restarted): log in again.
                    logger.info("StellaNow refresh token rejected ({}); logging in again", describe(ex));
                    this.tokens = null;
                }
            }
            if (fresh == null) {
                fresh = login();
            }
            this.tokens = fresh;
            this.lastFailure = null;
            this.transientFailures = 0;
            scheduleRefresh(fresh);
            return fresh;
        }
        catch (StellaNowAuthenticationException ex) {
            this.lastFailure = ex;
            if (ex.isPermanent()) {
                stopForGood(ex);
            }
            throw ex;
        }
    }

    private Tokens login() {
        StellaNowAuthenticationException failure = null;
        for (int attempt = 0; attempt <= LOGIN_RACE_RETRIES.length; attempt++) {
            try {
                return request(passwordForm(), true);
            }
            catch (StellaNowAuthenticationException ex) {
                failure = ex;
                // Several workers sharing one account can make Keycloak refuse a login briefly.
                if (!ex.isPermanent() || attempt == LOGIN_RACE_RETRIES.length || this.closed) {
                    throw ex;
                }
                sleep(LOGIN_RACE_RETRIES[attempt]);
            }
        }
        throw failure;
    }

    private void refreshInBackground() {
        if (this.closed || this.permanentFailure != null) {
            return;
        }
        boolean refreshed;
        String token;
        synchronized (this.lock) {
            Tokens before = this.tokens;
            try {
                Tokens after = obtain();
                refreshed = before != null;
                token = after.accessToken;
            }
            catch (StellaNowAuthenticationException ex) {
                if (ex.isPermanent()) {
                    return;
                }
                Duration delay = backoff(ex);
                logger.warn("Cannot obtain a StellaNow access token ({}); retrying in {} ms", describe(ex),
                        delay.toMillis());
                schedule(delay);
                return;
            }
        }
        if (refreshed) {
            for (Listener listener : this.listeners) {
                try {
                    listener.tokenRefreshed(token);
                }
                catch (RuntimeException ex) {
                    logger.warn("StellaNow token listener failed", ex);
                }
            }
        }
    }

    private Duration backoff(StellaNowAuthenticationException ex) {
        this.transientFailures++;
        long capSeconds = (ex.getStatus() == 0) ? 30 : 10;
        long seconds = Math.min(capSeconds, 1L << Math.min(this.transientFailures - 1, 5));
        return Duration.ofSeconds(seconds);
    }

    private void scheduleRefresh(Tokens fresh) {
        schedule(refreshDelay(Duration.between(fresh.issuedAt, fresh.accessExpiresAt), this.refreshBeforeExpiry));
    }

    /**
     * When to refresh after issue: {@code refreshBeforeExpiry} ahead of expiry (Python SDK: 40 s, so a 60 s token
     * is refreshed 20 s after issue), but never before a third of the lifetime has passed, so short-lived tokens
     * do not cause a refresh storm.
     */
    static Duration refreshDelay(Duration lifetime, Duration refreshBeforeExpiry) {
        long millis = lifetime.toMillis();
        return Duration.ofMillis(Math.max(50, Math.max(millis - refreshBeforeExpiry.toMillis(), millis / 3)));
    }

    private void schedule(Duration delay) {
        if (this.closed) {
            return;
        }
        ScheduledFuture<?> previous = this.refreshTask;
        if (previous != null) {
            previous.cancel(false);
        }
        try {
            this.refreshTask = this.scheduler.schedule(this::refreshInBackground, delay.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        catch (java.util.concurrent.RejectedExecutionException ex) {
            // closed concurrently
        }
    }

    private void stopForGood(StellaNowAuthenticationException ex) {
        if (this.permanentFailure != null) {
            return;
        }
        this.permanentFailure = ex;
        this.tokens = null;
        ScheduledFuture<?> task = this.refreshTask;
        if (task != null) {
            task.cancel(false);
        }
        String fix = (ex.getErrorCode() != null && ex.getErrorCode().contains("client"))
                ? "iot.stellanow.auth.oidc-client-id" : "iot.stellanow.auth.username/password";
        logger.error("StellaNow rejected the credentials of '{}' ({}); not retrying. Fix {} and restart the "
                + "application.", this.username, describe(ex), fix);
        for (Listener listener : this.listeners) {
            try {
                listener.permanentlyFailed(ex);
            }
            catch (RuntimeException failure) {
                logger.warn("StellaNow token listener failed", failure);
            }
        }
    }

    private MultiValueMap<String, String> passwordForm() {
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        form.add("grant_type", "password");
        form.add("client_id", this.clientId);
        form.add("username", this.username);
        form.add("password", this.password);
        return form;
    }

    private MultiValueMap<String, String> refreshForm(String refreshToken) {
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        form.add("grant_type", "refresh_token");
        form.add("client_id", this.clientId);
        form.add("refresh_token", refreshToken);
        return form;
    }

    private Tokens request(MultiValueMap<String, String> form, boolean login) {
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
                .block(this.requestTimeout);
        }
        catch (RuntimeException ex) {
            throw new StellaNowAuthenticationException("Token endpoint " + this.tokenEndpoint + " not reachable: "
                    + rootMessage(ex), false, 0, null, ex);
        }
        if (response == null) {
            throw new StellaNowAuthenticationException("Token endpoint " + this.tokenEndpoint
                    + " did not answer within " + this.requestTimeout.toMillis() + " ms", false, 0, null, null);
        }
        if (response.status / 100 == 2) {
            return parseTokens(response.body, sentAt);
        }
        throw classify(response.status, response.contentType, response.body, login);
    }

    private Tokens parseTokens(String body, Instant issuedAt) {
        JsonNode node;
        try {
            node = this.mapper.readTree(body);
        }
        catch (JacksonException ex) {
            throw new StellaNowAuthenticationException("The token endpoint answered 2xx with a body that is not JSON",
                    false, 200, null, null);
        }
        String access = text(node, "access_token");
        if (access == null || access.isBlank()) {
            throw new StellaNowAuthenticationException("The token endpoint answered without an access_token", false,
                    200, null, null);
        }
        long expiresIn = node.path("expires_in").asLong(DEFAULT_EXPIRES_IN);
        if (expiresIn <= 0) {
            expiresIn = DEFAULT_EXPIRES_IN;
        }
        String refresh = text(node, "refresh_token");
        long refreshExpiresIn = node.path("refresh_expires_in").asLong(0);
        Instant refreshExpiresAt = (refresh == null) ? null
                : (refreshExpiresIn > 0) ? issuedAt.plusSeconds(refreshExpiresIn) : Instant.MAX;
        return new Tokens(access, refresh, issuedAt, issuedAt.plusSeconds(expiresIn), refreshExpiresAt);
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
                JsonNode node = JsonMapper.builder().build().readTree(trimmed);
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

    private static String describe(StellaNowAuthenticationException ex) {
        return ex.getMessage();
    }

    private static String rootMessage(Throwable ex) {
        Throwable root = ex;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ((root.getMessage() != null) ? ": " + root.getMessage() : "");
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "OidcTokenSource[endpoint=" + this.tokenEndpoint + ", clientId=" + this.clientId + ", username="
                + this.username + "]";
    }

    /** Told about token changes; called on the source's own thread. */
    public interface Listener {

        /** A refresh produced a new access token; reconnect to carry it to the broker. */
        default void tokenRefreshed(String accessToken) {
        }

        /** The identity provider rejected the credentials for good. */
        default void permanentlyFailed(StellaNowAuthenticationException failure) {
        }
    }

    private record Response(int status, String contentType, String body) {
    }

    private static final class Tokens {

        final String accessToken;

        final @Nullable String refreshToken;

        final Instant issuedAt;

        final Instant accessExpiresAt;

        final @Nullable Instant refreshExpiresAt;

        Tokens(String accessToken, @Nullable String refreshToken, Instant issuedAt, Instant accessExpiresAt,
                @Nullable Instant refreshExpiresAt) {
            this.accessToken = accessToken;
            this.refreshToken = refreshToken;
            this.issuedAt = issuedAt;
            this.accessExpiresAt = accessExpiresAt;
            this.refreshExpiresAt = refreshExpiresAt;
        }

        /** Valid with a margin: a token about to expire could die between CONNECT and the broker's check. */
        boolean accessUsable(Instant now) {
            long lifetime = Duration.between(this.issuedAt, this.accessExpiresAt).toMillis();
            long margin = Math.min(10_000, lifetime / 10);
            return now.plusMillis(margin).isBefore(this.accessExpiresAt);
        }

        boolean refreshUsable(Instant now) {
            return this.refreshToken != null && this.refreshExpiresAt != null && now.isBefore(this.refreshExpiresAt);
        }

        @Override
        public String toString() {
            return "Tokens[expiresAt=" + this.accessExpiresAt + "]";
        }
    }
}
