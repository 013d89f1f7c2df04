package dev.iotspring.stellanow;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * {@code expires_in - refreshBeforeExpiry} and a third of the lifetime) and tells the callbacks, so the
 * connection can carry the fresh token to the broker.</li>
 * <li>A dead refresh token (HTTP 400/401 to the refresh) leads to one new password login.</li>
 * <li>Wrong credentials, a disabled account or a rejected client are permanent: after two quick retries (several
 * instances sharing one account can race) the source stops calling the identity provider and every later
 * {@link #accessToken()} fails at once with the same {@link StellaNowAuthenticationException}.</li>
 * <li>Server errors, HTML error pages and network failures are transient: retried with a backoff from 1 s
 * doubling to 10 s (server) or 30 s (network); a still-valid token keeps being used meanwhile.</li>
 * </ul>
 * The HTTP requests and the sorting of answers are {@link OidcTokenClient}'s; this class holds the tokens and
 * runs the refresh schedule.
 */
public final class OidcTokenSource implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(OidcTokenSource.class);

    private static final Duration[] LOGIN_RACE_RETRIES = { Duration.ofMillis(100), Duration.ofMillis(300) };

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final OidcTokenClient client;

    private final Duration refreshBeforeExpiry;

    private final Clock clock;

    private final ScheduledExecutorService scheduler;

    private final List<TokenCallback> callbacks = new CopyOnWriteArrayList<>();

    private final Object lock = new Object();

    private volatile @Nullable OidcTokens tokens;

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
     * @param requestTimeout the longest a token request may take before it counts as failed (and is retried)
     */
    public OidcTokenSource(WebClient webClient, URI tokenEndpoint, String clientId, String username, String password,
            Duration refreshBeforeExpiry, Duration requestTimeout) {
        this(webClient, tokenEndpoint, clientId, username, password, refreshBeforeExpiry, requestTimeout,
                Clock.systemUTC());
    }

    OidcTokenSource(WebClient webClient, URI tokenEndpoint, String clientId, String username, String password,
            Duration refreshBeforeExpiry, Duration requestTimeout, Clock clock) {
        this.client = new OidcTokenClient(webClient, tokenEndpoint, clientId, username, password, requestTimeout,
                clock);
        this.refreshBeforeExpiry = Objects.requireNonNull(refreshBeforeExpiry, "refreshBeforeExpiry");
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
    public void addCallback(TokenCallback callback) {
        this.callbacks.add(Objects.requireNonNull(callback, "callback"));
    }

    /**
     * A token that is valid now; logs in or refreshes first when the held one is missing or about to expire.
     * Blocks for at most a few request timeouts; do not call it on a non-blocking (event loop) thread.
     * @throws StellaNowAuthenticationException when no token can be obtained; see {@link #isPermanentlyFailed()}
     */
    public String accessToken() {
        synchronized (this.lock) {
            OidcTokens current = this.tokens;
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
        OidcTokens current = this.tokens;
        return (current != null) ? current.accessExpiresAt : null;
    }

    @Override
    public void close() {
        this.closed = true;
        this.scheduler.shutdownNow();
    }

    // Called with the lock held.
    private OidcTokens obtain() {
        StellaNowAuthenticationException permanent = this.permanentFailure;
        if (permanent != null) {
            throw permanent;
        }
        OidcTokens current = this.tokens;
        try {
            OidcTokens fresh = null;
            if (current != null && current.refreshUsable(this.clock.instant())) {
                try {
                    fresh = this.client.refresh(current.refreshToken);
                }
                catch (StellaNowAuthenticationException ex) {
                    if (!ex.isPermanent() && ex.getStatus() != 400 && ex.getStatus() != 401) {
                        throw ex;
                    }
                    // The refresh token is dead (revoked, session ended, server restarted): log in again.
                    logger.info("StellaNow refresh token rejected ({}); logging in again", ex.getMessage());
                    this.tokens = null;
                }
            }
            if (fresh == null) {
                fresh = login();
            }
            this.tokens = fresh;
            this.lastFailure = null;
            this.transientFailures = 0;
            schedule(refreshDelay(fresh.lifetime(), this.refreshBeforeExpiry));
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

    private OidcTokens login() {
        for (int attempt = 0;; attempt++) {
            try {
                return this.client.login();
            }
            catch (StellaNowAuthenticationException ex) {
                // Several workers sharing one account can make Keycloak refuse a login briefly.
                if (!ex.isPermanent() || attempt == LOGIN_RACE_RETRIES.length || this.closed) {
                    throw ex;
                }
                pause(LOGIN_RACE_RETRIES[attempt]);
            }
        }
    }

    private void refreshInBackground() {
        if (this.closed || this.permanentFailure != null) {
            return;
        }
        boolean refreshed;
        String token;
        synchronized (this.lock) {
            OidcTokens before = this.tokens;
            try {
                OidcTokens after = obtain();
                refreshed = before != null;
                token = after.accessToken;
            }
            catch (StellaNowAuthenticationException ex) {
                if (ex.isPermanent()) {
                    return;
                }
                this.transientFailures++;
                Duration delay = retryDelay(ex, this.transientFailures);
                logger.warn("Cannot obtain a StellaNow access token ({}); retrying in {} ms", ex.getMessage(),
                        delay.toMillis());
                schedule(delay);
                return;
            }
        }
        if (refreshed) {
            for (TokenCallback callback : this.callbacks) {
                try {
                    callback.tokenRefreshed(token);
                }
                catch (RuntimeException ex) {
                    logger.warn("StellaNow token callback failed", ex);
                }
            }
        }
    }

    /**
     * Pause before the next attempt after the {@code failures}-th transient failure in a row: 1 s doubling, capped
     * at 30 s when no answer arrived (network, timeout) and at 10 s for server errors.
     */
    static Duration retryDelay(StellaNowAuthenticationException ex, int failures) {
        long capSeconds = (ex.getStatus() == 0) ? 30 : 10;
        return Duration.ofSeconds(Math.min(capSeconds, 1L << Math.min(failures - 1, 5)));
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
        catch (RejectedExecutionException ex) {
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
                + "application.", this.client.username(), ex.getMessage(), fix);
        for (TokenCallback callback : this.callbacks) {
            try {
                callback.permanentlyFailed(ex);
            }
            catch (RuntimeException failure) {
                logger.warn("StellaNow token callback failed", failure);
            }
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "OidcTokenSource[endpoint=" + this.client.tokenEndpoint() + ", clientId=" + this.client.clientId()
                + ", username=" + this.client.username() + ", requestTimeout=" + this.client.requestTimeout()
                + ", refreshBeforeExpiry=" + this.refreshBeforeExpiry + "]";
    }

    /** Told about token changes; called on the source's own thread. */
    public interface TokenCallback {

        /** A refresh produced a new access token; reconnect to carry it to the broker. */
        default void tokenRefreshed(String accessToken) {
        }

        /** The identity provider rejected the credentials for good. */
        default void permanentlyFailed(StellaNowAuthenticationException failure) {
        }
    }
}
