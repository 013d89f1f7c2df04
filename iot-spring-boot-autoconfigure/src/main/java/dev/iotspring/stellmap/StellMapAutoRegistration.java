package dev.iotspring.stellmap;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import dev.iotspring.core.lifecycle.IotLifecyclePhases;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;

/**
 * Registers the application once its web server's port is known ({@link #webServerStarted(int)}; at
 * {@link ApplicationReadyEvent} for an application without web server), renews the lease on its own scheduler,
 * registers again when a heartbeat answers {@code 404}, and deregisters first on shutdown.
 *
 * <p>Phase {@link IotLifecyclePhases#REGISTRATION}: {@code start()} runs after the web server started, and
 * {@code stop()} before the web server stops taking traffic and before any queue drains. Boot's shared
 * {@code taskScheduler} stops before the lifecycle phases, so heartbeats use a scheduler of their own. Startup
 * never blocks and never fails when StellMap is down: registration is retried every heartbeat interval.
 */
public class StellMapAutoRegistration implements SmartLifecycle, ApplicationListener<ApplicationReadyEvent> {

    private static final Logger logger = LoggerFactory.getLogger(StellMapAutoRegistration.class);

    private final StellMapRegistry registry;

    private final Function<OptionalInt, RegisterRequest> requestFactory;

    private final Duration heartbeatInterval;

    private final Duration deregisterTimeout;

    private final Supplier<Scheduler> schedulers;

    private final AtomicLong successes = new AtomicLong();

    private final AtomicLong failures = new AtomicLong();

    private final AtomicLong reregistrations = new AtomicLong();

    private volatile boolean running;

    private volatile @Nullable Integer webServerPort;

    private volatile boolean applicationReady;

    private volatile @Nullable RegisterRequest request;

    private volatile boolean registered;

    private volatile boolean outOfService;

    private volatile @Nullable Instant lastRenewal;

    private volatile @Nullable String lastError;

    private @Nullable Disposable loop;

    private @Nullable Scheduler scheduler;

    /**
     * @param registry the client
     * @param requestFactory builds the registration from the web server's port (empty without web server)
     * @param heartbeatInterval time between heartbeats (and between registration attempts while failing)
     * @param deregisterTimeout longest wait for the deregistration on shutdown
     */
    public StellMapAutoRegistration(StellMapRegistry registry, Function<OptionalInt, RegisterRequest> requestFactory,
            Duration heartbeatInterval, Duration deregisterTimeout) {
        this(registry, requestFactory, heartbeatInterval, deregisterTimeout,
                () -> Schedulers.newSingle("stellmap-heartbeat", true));
    }

    /**
     * @param registry the client
     * @param requestFactory builds the registration from the web server's port (empty without web server)
     * @param heartbeatInterval time between heartbeats (and between registration attempts while failing)
     * @param deregisterTimeout longest wait for the deregistration on shutdown
     * @param schedulers makes the scheduler that paces heartbeats at each start (it is disposed at stop); a
     *     virtual-time scheduler makes the cadence testable without waiting
     */
    public StellMapAutoRegistration(StellMapRegistry registry, Function<OptionalInt, RegisterRequest> requestFactory,
            Duration heartbeatInterval, Duration deregisterTimeout, Supplier<Scheduler> schedulers) {
        this.registry = registry;
        this.requestFactory = requestFactory;
        this.heartbeatInterval = heartbeatInterval;
        this.deregisterTimeout = deregisterTimeout;
        this.schedulers = schedulers;
    }

    /** Called when the application's (not the management) web server listens on {@code port}. */
    public void webServerStarted(int port) {
        this.webServerPort = port;
        begin();
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        this.applicationReady = true;
        begin();
    }

    @Override
    public void start() {
        this.running = true;
        begin();
    }

    private synchronized void begin() {
        if (!this.running || this.loop != null || this.outOfService
                || (this.webServerPort == null && !this.applicationReady)) {
            return;
        }
        Integer port = this.webServerPort;
        RegisterRequest registration;
        try {
            registration = this.requestFactory.apply((port != null) ? OptionalInt.of(port) : OptionalInt.empty());
        }
        catch (RuntimeException ex) {
            this.lastError = ex.getMessage();
            logger.error("Not registering with StellMap: {}", ex.getMessage());
            return;
        }
        this.request = registration;
        this.scheduler = this.schedulers.get();
        this.loop = Flux.interval(Duration.ZERO, this.heartbeatInterval, this.scheduler)
            .onBackpressureDrop()
            .concatMap((tick) -> beat(registration), 1)
            .subscribe();
    }

    private Mono<Void> beat(RegisterRequest registration) {
        if (!this.registered) {
            return Mono.fromFuture(() -> this.registry.registerAsync(registration)).doOnSuccess((v) -> {
                logger.info("Registered {} of {} in StellMap namespace {}", registration.instanceId(),
                        registration.service(), registration.namespace());
                this.registered = true;
                renewed();
            }).onErrorResume((ex) -> failed("registration", ex));
        }
        return Mono.fromFuture(() -> this.registry.heartbeatAsync(registration.heartbeat())).doOnSuccess((v) -> {
            this.successes.incrementAndGet();
            renewed();
        }).onErrorResume(StellMapNotFoundException.class, (ex) -> {
            logger.warn("StellMap no longer knows {} (lease expired); registering again", registration.instanceId());
            return Mono.fromFuture(() -> this.registry.registerAsync(registration)).doOnSuccess((v) -> {
                this.reregistrations.incrementAndGet();
                renewed();
            });
        }).onErrorResume((ex) -> failed("heartbeat", ex));
    }

    private void renewed() {
        this.lastRenewal = Instant.now();
        this.lastError = null;
    }

    private Mono<Void> failed(String what, Throwable ex) {
        if (what.equals("heartbeat")) {
            this.failures.incrementAndGet();
        }
        this.lastError = ex.getMessage();
        logger.warn("StellMap {} of {} failed, retrying in {}: {}", what,
                (this.request != null) ? this.request.instanceId() : "?", this.heartbeatInterval, ex.getMessage());
        return Mono.empty();
    }

    /** Stops and deregisters, waiting at most the deregistration timeout (the context uses the async form). */
    @Override
    public void stop() {
        CountDownLatch stopped = new CountDownLatch(1);
        stop(stopped::countDown);
        try {
            stopped.await(this.deregisterTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void stop(Runnable callback) {
        RegisterRequest registration;
        synchronized (this) {
            this.running = false;
            registration = halt();
        }
        deregister(registration, true).doFinally((signal) -> callback.run()).subscribe();
    }

    /**
     * Takes the instance out of service: stops the heartbeats and deregisters (what Spring Cloud's
     * {@code ServiceRegistry.setStatus(registration, "OUT_OF_SERVICE")} does), until {@link #inService()}.
     * @return completes when StellMap answered the deregistration (or it failed, or there was none to send)
     */
    public CompletableFuture<Void> outOfService() {
        RegisterRequest registration;
        synchronized (this) {
            this.outOfService = true;
            registration = halt();
            this.registered = false;
        }
        return deregister(registration, false).toFuture();
    }

    /** Back in service after {@link #outOfService()}: registers at once (once the port is known) and heartbeats. */
    public void inService() {
        this.outOfService = false;
        begin();
    }

    /** Whether {@link #outOfService()} took the instance out until {@link #inService()}. */
    public boolean isOutOfService() {
        return this.outOfService;
    }

    /** Ends the heartbeat loop and its scheduler (callers hold the lock); the registration that was sent. */
    private @Nullable RegisterRequest halt() {
        if (this.loop != null) {
            this.loop.dispose();
            this.loop = null;
        }
        if (this.scheduler != null) {
            this.scheduler.dispose();
            this.scheduler = null;
        }
        return this.request;
    }

    private Mono<Void> deregister(@Nullable RegisterRequest registration, boolean forget) {
        if (registration == null) {
            return Mono.empty();
        }
        // Deregistration is idempotent, so it is sent even when the registration's answer never came.
        return Mono.fromFuture(() -> this.registry.deregisterAsync(registration.identity()))
            .timeout(this.deregisterTimeout)
            .doOnSuccess((v) -> logger.info("Deregistered {} from StellMap", registration.instanceId()))
            .onErrorResume((ex) -> {
                logger.warn("StellMap deregistration of {} failed (the lease expires in at most {}): {}",
                        registration.instanceId(), registration.leaseTtl(), ex.getMessage());
                return Mono.empty();
            })
            .doFinally((signal) -> {
                this.registered = false;
                if (forget) {
                    this.request = null;
                }
            });
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public int getPhase() {
        return IotLifecyclePhases.REGISTRATION;
    }

    /** Whether the last registration or heartbeat succeeded. */
    public boolean isRegistered() {
        return this.registered;
    }

    /** The registration sent (after the port was known), or {@code null}. */
    public @Nullable RegisterRequest registration() {
        return this.request;
    }

    /** Last successful registration or heartbeat. */
    public @Nullable Instant lastRenewal() {
        return this.lastRenewal;
    }

    /** Time left on the lease as of the last renewal (local clock); negative once it has run out. */
    public @Nullable Duration leaseRemaining() {
        Instant last = this.lastRenewal;
        RegisterRequest registration = this.request;
        if (last == null || registration == null) {
            return null;
        }
        Duration ttl = (registration.leaseTtl() != null) ? registration.leaseTtl() : Duration.ofSeconds(30);
        return Duration.between(Instant.now(), last.plus(ttl));
    }

    public @Nullable String lastError() {
        return this.lastError;
    }

    public long heartbeatSuccesses() {
        return this.successes.get();
    }

    public long heartbeatFailures() {
        return this.failures.get();
    }

    /** Heartbeats answered 404 and followed by a new registration. */
    public long reregistrations() {
        return this.reregistrations.get();
    }
}
