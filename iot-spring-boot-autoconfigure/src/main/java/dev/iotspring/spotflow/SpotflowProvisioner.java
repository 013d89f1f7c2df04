package dev.iotspring.spotflow;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.iotspring.core.lifecycle.IotLifecyclePhases;

/**
 * Gets and keeps the device's MQTT credentials, on one background thread (startup never blocks on it):
 *
 * <ol>
 * <li>At start, stored credentials are reused when they were issued for the same provisioning token and requested
 * device id and the registration token has not expired: one registration then refreshes the SAS; HTTP 401 starts
 * provisioning; any other failure starts offline on the stored SAS and retries registration.</li>
 * <li>Otherwise provisioning: init, the {@link SpotflowProvisioningListener}, polling complete until approved,
 * then registration.</li>
 * <li>Afterwards a maintenance pass re-registers before the SAS expires and refreshes the registration token at
 * half of its remaining lifetime, authenticated with the provisioning token; failures are retried later.</li>
 * </ol>
 * New credentials go to the {@link Listener}s (the MQTT side).
 */
public final class SpotflowProvisioner implements SmartLifecycle, AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(SpotflowProvisioner.class);

    private static final String CANCELLED = "/problems/deviceProvisioning/provisioningOperationCancelled";

    /** Told about credentials to connect with, on the provisioning thread. */
    interface Listener {

        void credentialsChanged(Credentials credentials, boolean reconnectNow);
    }

    /** What the MQTT side needs; {@code sas} is a secret. */
    record Credentials(String hubHost, String hubDeviceId, String sas, @Nullable Instant sasExpires) {

        String workspaceId() {
            return this.hubDeviceId.substring(0, this.hubDeviceId.indexOf(':'));
        }

        String deviceId() {
            return this.hubDeviceId.substring(this.hubDeviceId.indexOf(':') + 1);
        }

        @Override
        public String toString() {
            return "Credentials[hub=" + this.hubHost + ", device=" + this.hubDeviceId + "]";
        }
    }

    /**
     * Timings; the defaults are the reference SDK's.
     * @param pollInterval between two polls of an operation awaiting approval, and between retries of init and
     * of the registration after provisioning
     * @param retryInterval after a failed registration of a started device, a failed refresh or re-registration
     * @param maintenanceInterval between two checks of the SAS and registration-token lifetimes
     */
    public record Timings(Duration pollInterval, Duration retryInterval, Duration maintenanceInterval) {

        public static final Timings DEFAULT = new Timings(Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofSeconds(60));
    }

    private final SpotflowApi api;

    private final SpotflowCredentialStore store;

    private final String provisioningToken;

    private final @Nullable String requestedDeviceId;

    private final SpotflowProvisioningListener provisioningListener;

    private final Timings timings;

    private final Clock clock;

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    private volatile @Nullable ScheduledExecutorService executor;

    private @Nullable ScheduledFuture<?> next;

    private volatile SpotflowProvisioningState state = SpotflowProvisioningState.NEW;

    private volatile @Nullable String lastError;

    private volatile @Nullable Credentials credentials;

    private volatile @Nullable SpotflowProvisioningOperation operation;

    private @Nullable String registrationToken;

    /** Guards the first read of the stored credentials. */
    private final Object loading = new Object();

    private volatile boolean storedLoaded;

    private volatile @Nullable Credentials announced;

    /**
     * @param webClient with the instance's base URL (see {@link SpotflowInstance}), built on the first request (on
     * the provisioning thread)
     * @param requestTimeout per HTTP request (10 s in the reference SDK)
     * @param store the {@code spotflow} store's key-value namespace for credentials, waited for (and read) on the
     * provisioning thread, so the store may still be opening
     * @param provisioningToken from the portal; never stored, only its hash
     * @param requestedDeviceId the device id to ask for, or null to let the platform choose
     */
    public static SpotflowProvisioner create(
            java.util.function.Supplier<org.springframework.web.reactive.function.client.WebClient> webClient,
            Duration requestTimeout, tools.jackson.databind.json.JsonMapper json,
            java.util.function.Supplier<dev.iotspring.core.store.JdbcKeyValueStore> store, String provisioningToken,
            @Nullable String requestedDeviceId, SpotflowProvisioningListener listener, Timings timings) {
        return new SpotflowProvisioner(new SpotflowApi(webClient, requestTimeout, json),
                new SpotflowCredentialStore(store), provisioningToken, requestedDeviceId, listener, timings,
                Clock.systemUTC());
    }

    SpotflowProvisioner(SpotflowApi api, SpotflowCredentialStore store, String provisioningToken,
            @Nullable String requestedDeviceId, SpotflowProvisioningListener provisioningListener, Timings timings,
            Clock clock) {
        this.api = Objects.requireNonNull(api, "api");
        this.store = Objects.requireNonNull(store, "store");
        this.provisioningToken = Objects.requireNonNull(provisioningToken, "provisioningToken");
        this.requestedDeviceId = requestedDeviceId;
        this.provisioningListener = Objects.requireNonNull(provisioningListener, "provisioningListener");
        this.timings = Objects.requireNonNull(timings, "timings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The default {@link SpotflowProvisioningListener}: three log lines, as the reference SDK prints. */
    public static SpotflowProvisioningListener loggingListener() {
        return (operation) -> logger.info("Spotflow provisioning operation initialized, waiting for approval. "
                + "Operation ID: {}, Verification Code: {}, expires {}", operation.id(),
                operation.verificationCode(), operation.expirationTime());
    }

    void addListener(Listener listener) {
        this.listeners.add(listener);
    }

    public SpotflowProvisioningState state() {
        return this.state;
    }

    /** The last failure of a provisioning call, for health details; never contains a token. */
    public @Nullable String lastError() {
        return this.lastError;
    }

    /** The operation waiting for approval, if any. */
    public @Nullable SpotflowProvisioningOperation pendingOperation() {
        return this.operation;
    }

    /** The current credentials; the first call reads the stored ones, waiting for the store if it is still opening. */
    @Nullable Credentials credentials() {
        loadStoredCredentials();
        return this.credentials;
    }

    /** The current credentials, null while the stored ones have not been read (never waits). */
    @Nullable Credentials knownCredentials() {
        return this.credentials;
    }

    /**
     * The credentials the hub may connect with: those of the last registration, or the stored ones once the
     * startup decision chose an offline start; null before (never waits). Stored credentials alone are not enough:
     * they may belong to another provisioning token or device, or have been revoked (spec §2).
     */
    @Nullable Credentials announcedCredentials() {
        return this.announced;
    }

    private void announce(Credentials credentials, boolean reconnectNow) {
        this.announced = credentials;
        for (Listener listener : this.listeners) {
            listener.credentialsChanged(credentials, reconnectNow);
        }
    }

    private void loadStoredCredentials() {
        if (this.storedLoaded) {
            return;
        }
        synchronized (this.loading) {
            if (!this.storedLoaded) {
                Credentials stored = storedCredentials();
                if (stored != null && this.credentials == null) {
                    this.credentials = stored;
                }
                this.storedLoaded = true;
            }
        }
    }

    /** The broker refused the SAS (CONNACK 4/5): re-register soon and reconnect with the new one. */
    void credentialsRefused() {
        if (isProvisioned()) {
            submit(() -> register(true, false), Duration.ZERO);
        }
    }

    @Override
    public synchronized void start() {
        if (this.executor != null) {
            return;
        }
        this.executor = Executors.newSingleThreadScheduledExecutor((r) -> {
            Thread t = new Thread(r, "spotflow-provisioning");
            t.setDaemon(true);
            return t;
        });
        submit(this::startup, Duration.ZERO);
    }

    @Override
    public synchronized void stop() {
        ScheduledExecutorService running = this.executor;
        if (running != null) {
            // Not running before the interrupt: a step it interrupts then knows it was stopped, not failed.
            this.executor = null;
            this.state = SpotflowProvisioningState.STOPPED;
            running.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return this.executor != null;
    }

    @Override
    public int getPhase() {
        // Before the MQTT connection, which waits for these credentials.
        return IotLifecyclePhases.CONNECTION - 1;
    }

    @Override
    public void close() {
        stop();
    }

    // ------------------------------------------------------------------------------------------ the steps

    private void startup() {
        // The store opens beside the application's startup: this thread waits for it, not the application.
        SpotflowCredentialStore.Stored stored;
        try {
            loadStoredCredentials();
            stored = this.store.load();
        }
        catch (RuntimeException ex) {
            if (!isRunning()) {
                // Stopped while it read the store (the application stopping, its store closed): nothing failed.
                logger.debug("Spotflow: provisioning stopped before its store was read: {}", ex.toString());
                return;
            }
            // A store that could not be opened was logged at error level there; the health shows it.
            this.state = SpotflowProvisioningState.FAILED;
            this.lastError = "cannot read its store: " + ex.getMessage();
            logger.warn("Spotflow: provisioning stopped: {}", this.lastError);
            return;
        }
        Instant now = this.clock.instant();
        if (!stored.reusableFor(this.provisioningToken, this.requestedDeviceId, now)) {
            if (stored.registrationToken() != null) {
                logger.info("Spotflow: stored credentials were issued for another provisioning token or device id, "
                        + "or have expired; provisioning again");
            }
            provision();
            return;
        }
        this.registrationToken = stored.registrationToken();
        try {
            registered(this.api.register(stored.registrationToken(), now), false);
        }
        catch (SpotflowHttpException ex) {
            failed(ex);
            if (ex.getStatus() == 401) {
                provision();
                return;
            }
            // Offline even without a stored SAS (registration never succeeded): messages queue meanwhile.
            this.state = SpotflowProvisioningState.OFFLINE;
            logger.warn("Spotflow: registration failed ({}); starting offline{}", ex.getMessage(),
                    stored.hasConnection() ? " with the stored credentials" : "");
            Credentials known = this.credentials;
            if (known != null) {
                // Spec §2: only now, with registration unreachable, is the stored SAS worth trying.
                announce(known, false);
            }
            submit(() -> register(false, false), this.timings.retryInterval());
        }
    }

    private void provision() {
        this.state = SpotflowProvisioningState.PROVISIONING;
        SpotflowProvisioningOperation started;
        try {
            started = this.api.init(this.provisioningToken, this.requestedDeviceId);
        }
        catch (SpotflowHttpException ex) {
            failed(ex);
            if (ex.getStatus() == 401 || ex.getStatus() == 400) {
                fatal((ex.getStatus() == 401) ? "the provisioning token is invalid (iot.spotflow.provisioning-token)"
                        : ex.getMessage());
                return;
            }
            if (ex.getStatus() == 423) {
                logger.warn("Spotflow: the workspace is disabled; retrying provisioning");
            }
            submit(this::provision, this.timings.pollInterval());
            return;
        }
        this.operation = started;
        this.state = SpotflowProvisioningState.AWAITING_APPROVAL;
        try {
            this.provisioningListener.provisioningStarted(started);
        }
        catch (RuntimeException ex) {
            logger.warn("Spotflow provisioning listener failed", ex);
        }
        submit(() -> poll(started), this.timings.pollInterval());
    }

    private void poll(SpotflowProvisioningOperation op) {
        SpotflowApi.RegistrationToken rt;
        try {
            rt = this.api.complete(this.provisioningToken, op.id());
        }
        catch (SpotflowHttpException ex) {
            failed(ex);
            if (ex.getStatus() == 410 && CANCELLED.equals(ex.getProblemType())) {
                fatal("the provisioning operation " + op.id() + " was cancelled by an operator");
            }
            else if (ex.getStatus() == 410) {
                logger.info("Spotflow: provisioning operation {} expired; starting a new one", op.id());
                submit(this::provision, Duration.ZERO);
            }
            else {
                submit(() -> poll(op), this.timings.pollInterval());
            }
            return;
        }
        if (rt == null) {
            submit(() -> poll(op), this.timings.pollInterval());
            return;
        }
        this.operation = null;
        this.store.saveProvisioned(this.provisioningToken, this.requestedDeviceId, rt);
        this.registrationToken = rt.token();
        logger.info("Spotflow: provisioning operation {} approved", op.id());
        registerAfterProvisioning();
    }

    private void registerAfterProvisioning() {
        try {
            registered(this.api.register(this.registrationToken, this.clock.instant()), false);
        }
        catch (SpotflowHttpException ex) {
            failed(ex);
            if (ex.getStatus() == 401) {
                provision();
            }
            else {
                submit(this::registerAfterProvisioning, this.timings.pollInterval());
            }
        }
    }

    /**
     * Registers with the current registration token (re-provisions on 401), then tells the listeners.
     * @return whether it registered
     */
    private boolean register(boolean reconnectNow, boolean fromMaintenance) {
        String rt = this.registrationToken;
        if (rt == null || !isProvisioned()) {
            return false;
        }
        try {
            registered(this.api.register(rt, this.clock.instant()), reconnectNow);
            return true;
        }
        catch (SpotflowHttpException ex) {
            failed(ex);
            if (ex.getStatus() == 401) {
                provision();
            }
            else if (!fromMaintenance) {
                submit(() -> register(reconnectNow, false), this.timings.retryInterval());
            }
            return false;
        }
    }

    private boolean isProvisioned() {
        SpotflowProvisioningState s = this.state;
        return s == SpotflowProvisioningState.REGISTERED || s == SpotflowProvisioningState.OFFLINE;
    }

    private void registered(SpotflowApi.Registration registration, boolean reconnectNow) {
        Instant now = this.clock.instant();
        Duration remaining = registration.tokenRemainingLifetime();
        Instant rtExpires = now.plus(remaining);
        Instant refreshBy = now.plus(remaining.dividedBy(2));
        this.store.saveRegistration(registration, rtExpires, refreshBy);
        Credentials fresh = new Credentials(registration.hubHostName(), registration.hubDeviceId(),
                registration.sasToken(), registration.sasExpiration());
        this.credentials = fresh;
        this.state = SpotflowProvisioningState.REGISTERED;
        this.lastError = null;
        logger.info("Spotflow: registered as {} on {} (SAS valid until {})", registration.hubDeviceId(),
                registration.hubHostName(), registration.sasExpiration());
        announce(fresh, reconnectNow);
        scheduleMaintenance(this.timings.maintenanceInterval());
    }

    private void maintain() {
        Instant now = this.clock.instant();
        SpotflowCredentialStore.Stored stored = this.store.load();
        boolean ok = true;
        if (stored.rtRefreshBy() != null && !stored.rtRefreshBy().isAfter(now) && this.registrationToken != null) {
            try {
                SpotflowApi.RegistrationToken rt = this.api.refresh(this.provisioningToken, this.registrationToken);
                Instant refreshBy = (rt.expiration() != null)
                        ? now.plus(Duration.between(now, rt.expiration()).dividedBy(2)) : null;
                this.store.saveRefreshed(rt, refreshBy);
                this.registrationToken = rt.token();
                logger.info("Spotflow: registration token refreshed (next refresh after {})", refreshBy);
            }
            catch (SpotflowHttpException ex) {
                failed(ex);
                if (ex.getStatus() == 401) {
                    provision();
                    return;
                }
                ok = false;
            }
        }
        Credentials current = this.credentials;
        Instant sasExpires = (current != null) ? current.sasExpires() : null;
        // Renewed one check ahead of expiry, so a connection never has to find out by being refused.
        if (ok && sasExpires != null && !sasExpires.isAfter(now.plus(this.timings.maintenanceInterval()))) {
            if (register(false, true)) {
                // registered() scheduled the next pass.
                return;
            }
            ok = false;
        }
        if (isProvisioned()) {
            scheduleMaintenance(ok ? this.timings.maintenanceInterval() : this.timings.retryInterval());
        }
    }

    private void scheduleMaintenance(Duration delay) {
        submit(this::maintain, delay);
    }

    private @Nullable Credentials storedCredentials() {
        SpotflowCredentialStore.Stored stored = this.store.load();
        if (!stored.hasConnection()) {
            return null;
        }
        return new Credentials(stored.hubHost(), stored.hubDeviceId(), stored.sas(), stored.sasExpires());
    }

    private void failed(SpotflowHttpException ex) {
        this.lastError = ex.getMessage();
        logger.debug("Spotflow: {}", ex.getMessage());
    }

    private void fatal(String problem) {
        this.state = SpotflowProvisioningState.FAILED;
        this.lastError = problem;
        logger.error("Spotflow: provisioning stopped: {}", problem);
    }

    private synchronized void submit(Runnable step, Duration delay) {
        ScheduledExecutorService ex = this.executor;
        if (ex == null || ex.isShutdown()) {
            return;
        }
        if (this.next != null && !this.next.isDone() && delay.isZero()) {
            // An urgent step (CONNACK refused) replaces the waiting one; both go through the same thread.
            this.next.cancel(false);
        }
        this.next = ex.schedule(() -> {
            try {
                step.run();
            }
            catch (RuntimeException failure) {
                if (!isRunning()) {
                    // Interrupted by stop(): nothing failed, and nothing is retried.
                    logger.debug("Spotflow: a provisioning step ended by the stop: {}", failure.toString());
                    return;
                }
                this.lastError = failure.getMessage();
                logger.warn("Spotflow provisioning step failed", failure);
                submit(step, this.timings.retryInterval());
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }
}
