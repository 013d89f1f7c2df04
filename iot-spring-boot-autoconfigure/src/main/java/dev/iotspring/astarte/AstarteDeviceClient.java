package dev.iotspring.astarte;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

import dev.iotspring.core.delivery.DeliveryClosedException;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.delivery.MessageSender;
import dev.iotspring.core.event.IotEventPublisher;
import dev.iotspring.core.lifecycle.IotLifecyclePhases;
import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttNotConnectedException;
import dev.iotspring.core.observation.IotObservations;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.store.DeferredStore;
import dev.iotspring.core.store.IotStore;

import org.springframework.context.SmartLifecycle;

/**
 * The {@link AstarteDevice} over the core: pairing through the Pairing API, one {@link MqttConnection} with the
 * device certificate (client id {@code realm/device_id}, clean session false), the {@link AstarteSession}
 * handshake, and two {@link Dispatcher}s that send only after the handshake: the durable queue for properties and
 * {@code stored} datastreams, the in-memory queue for {@code volatile} ones. A {@link SmartLifecycle} in phase
 * {@link IotLifecyclePhases#DELIVERY}: start never blocks (pairing and connecting run in the background, retried
 * with the reconnect back-off), stop drains both queues and then disconnects.
 *
 * <p>It is one job, the device's life cycle and the routing of each value to its queue; the rest lives in
 * package-private collaborators: {@link AstarteConnector} (pairing, the connection, a valid certificate at every
 * connect), {@link AstarteSession} (handshake, inbound data), {@link AstartePairing} (secret and certificate),
 * {@link AstartePropertyAccess} (property calls over the stored values), {@link AstarteInbound} (server data to
 * listeners and the flux) and {@link AstarteInterfaces} (checks and encoding); its store is a core
 * {@link DeferredStore}.
 */
public final class AstarteDeviceClient implements AstarteDevice, SmartLifecycle, AutoCloseable {

    static final String PLATFORM = "astarte";

    private final AstarteDeviceSettings settings;

    private final AstarteInterfaces interfaces;

    private final AstartePairing pairing;

    private final DeferredStore store;

    private final AstartePropertyAccess properties;

    private final AstarteSession session;

    private final AstarteConnector connector;

    private final AstarteInbound inbound = new AstarteInbound();

    private final Dispatcher durable;

    private final Dispatcher memory;

    private final @Nullable IotEventPublisher events;

    private final ScheduledExecutorService scheduler;

    private final Clock clock;

    private final String topicPrefix;

    private final String messageIdPrefix = UUID.randomUUID() + "-";

    private final AtomicLong messageSequence = new AtomicLong();

    private IotObservations observations = IotObservations.disabled();

    private volatile @Nullable MqttConnection connection;

    private volatile boolean running;

    /**
     * @param settings device, interfaces, credentials and connection settings
     * @param pairingClient the Pairing API client
     * @param store the {@code astarte} store: credentials, properties, session state
     * @param durableQueue properties and {@code stored} datastreams (a durable queue keeps them across restarts)
     * @param memoryQueue {@code volatile} datastreams
     * @param dispatcher adjusts each dispatcher (window, retry, drain timeout, delivery listeners)
     * @param events publishes connection and delivery events, or null
     */
    public AstarteDeviceClient(AstarteDeviceSettings settings, AstartePairingClient pairingClient, IotStore store,
            OutboundQueue durableQueue, OutboundQueue memoryQueue, UnaryOperator<Dispatcher.Builder> dispatcher,
            @Nullable IotEventPublisher events) {
        this(settings, pairingClient, DeferredStore.of(PLATFORM, CompletableFuture.completedFuture(store)),
                durableQueue, memoryQueue, dispatcher, events);
    }

    /**
     * A device whose store is still opening: its tables (credentials, properties, session state) are made on the
     * opening thread, beside the application's startup, only what needs them waits (a property read or write,
     * pairing), and pairing starts once the store is open. If the store cannot be opened (logged once by the
     * {@link DeferredStore}), the health is down with the cause, the device does not pair, and every send and
     * property call throws it.
     * @param store the {@code astarte} store, being opened
     * @see #AstarteDeviceClient(AstarteDeviceSettings, AstartePairingClient, IotStore, OutboundQueue,
     *     OutboundQueue, UnaryOperator, IotEventPublisher)
     */
    public AstarteDeviceClient(AstarteDeviceSettings settings, AstartePairingClient pairingClient,
            DeferredStore store, OutboundQueue durableQueue, OutboundQueue memoryQueue,
            UnaryOperator<Dispatcher.Builder> dispatcher, @Nullable IotEventPublisher events) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.interfaces = settings.interfaces();
        this.clock = settings.clock();
        this.events = events;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "astarte-" + settings.deviceId());
            t.setDaemon(true);
            return t;
        });
        this.store = Objects.requireNonNull(store, "store");
        this.pairing = new AstartePairing(pairingClient, store.keyValueStore("credentials"), settings.realm(),
                settings.deviceId(), settings.credentialsSecret(), settings.agentToken(), this.clock);
        AstartePropertyStore stored = new AstartePropertyStore(store.keyValueStore("properties"));
        this.properties = new AstartePropertyAccess(this.interfaces, stored, this::requireStore, this::dispatch);
        this.session = new AstarteSession(settings.realm(), settings.deviceId(), this.interfaces, stored,
                this.properties, store.keyValueStore("session"), this.inbound::deliver, this::wakeUp,
                this.scheduler);
        this.connector = new AstarteConnector(settings, this.pairing, this.session, store, events,
                this.scheduler, () -> this.running, () -> this.connection, c -> this.connection = c, this::wakeUp);
        this.topicPrefix = this.session.base() + "/";
        MessageSender sender = new GatedSender();
        this.durable = build(dispatcher, Dispatcher.builder(PLATFORM, durableQueue, sender));
        this.memory = build(dispatcher, Dispatcher.builder(PLATFORM, memoryQueue, sender));
        // Reads the store only when neither a secret nor a way to register is configured (then it waits for it).
        if (!this.pairing.canPair()) {
            this.scheduler.shutdownNow();
            throw new IllegalStateException("Astarte device " + settings.deviceId() + " has no credentials secret and "
                    + "no way to register: set iot.astarte.credentials-secret, pairing.jwt or pairing.private-key");
        }
    }

    /**
     * Throws why the store could not be opened, without waiting while it opens (a volatile value needs no table):
     * nothing of the device works without it.
     */
    private void requireStore() {
        if (this.store.failure() != null) {
            this.store.join();
        }
    }

    /** Why the device's store could not be opened, or null (also while it is opening). */
    public @Nullable String storeError() {
        Throwable failure = this.store.failure();
        return (failure != null) ? failure.toString() : null;
    }

    private Dispatcher build(UnaryOperator<Dispatcher.Builder> customizer, Dispatcher.Builder builder) {
        if (this.events != null) {
            builder.listener(this.events.asDeliveryListener());
        }
        return customizer.apply(builder).build();
    }

    /** Observes sends and server data when {@code iot.astarte.observation-enabled} (auto-configuration). */
    public void setObservations(IotObservations observations) {
        this.observations = Objects.requireNonNull(observations, "observations");
        this.inbound.observe(observations);
    }

    // ---- sending -------------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<Void> send(String interfaceName, String path, Object value) {
        return dispatch(this.interfaces.individual(interfaceName, path, value, null));
    }

    @Override
    public CompletableFuture<Void> send(String interfaceName, String path, Object value, Instant timestamp) {
        Objects.requireNonNull(timestamp, "timestamp");
        return dispatch(this.interfaces.individual(interfaceName, path, value, timestamp));
    }

    @Override
    public CompletableFuture<Void> sendAggregate(String interfaceName, String path, Map<String, ?> values) {
        return dispatch(this.interfaces.aggregate(interfaceName, path, values, null));
    }

    @Override
    public CompletableFuture<Void> sendAggregate(String interfaceName, String path, Map<String, ?> values,
            Instant timestamp) {
        Objects.requireNonNull(timestamp, "timestamp");
        return dispatch(this.interfaces.aggregate(interfaceName, path, values, timestamp));
    }

    @Override
    public CompletableFuture<Void> setProperty(String interfaceName, String path, Object value) {
        return this.properties.set(interfaceName, path, value);
    }

    @Override
    public CompletableFuture<Void> unsetProperty(String interfaceName, String path) {
        return this.properties.unset(interfaceName, path);
    }

    private CompletableFuture<Void> dispatch(AstarteOutbound out) {
        requireStore();
        return this.observations.send("interface", out.topicSuffix(), null, () -> dispatchUnobserved(out));
    }

    private CompletableFuture<Void> dispatchUnobserved(AstarteOutbound out) {
        Instant now = this.clock.instant();
        // A counter behind a random prefix: unique across restarts like a random UUID, without SecureRandom's
        // lock and hashing on every send (a quarter of the caller's time in the send benchmark's profile).
        String id = this.messageIdPrefix + Long.toHexString(this.messageSequence.incrementAndGet());
        OutboundMessage message = new OutboundMessage(id, this.topicPrefix + out.interfaceName() + out.path(),
                out.payload(), out.qos(), false, now);
        if (!out.expiry().isZero()) {
            message = message.withExpiry(now.plus(out.expiry()));
        }
        return switch (out.retention()) {
            // Refused before it was queued (full, closed): a caller error, thrown at once.
            case STORED -> this.durable.acceptAsync(message);
            case VOLATILE -> this.memory.acceptAsync(message);
            case DISCARD -> publishNow(message);
        };
    }

    /** Retention discard: sent now if the session is up, else failed at once (Astarte would never get it). */
    private CompletableFuture<Void> publishNow(OutboundMessage message) {
        MqttConnection c = this.connection;
        if (!this.running) {
            throw new DeliveryClosedException("Astarte device " + this.settings.deviceId() + " is not running");
        }
        if (c == null || !this.session.isReady()) {
            return CompletableFuture.failedFuture(new MqttNotConnectedException("Astarte device "
                    + this.settings.deviceId() + " is not connected; the mapping's retention is discard"));
        }
        return c.publish(message.destination(), message.payload(), message.qos(), false);
    }

    /** Publishes through the connection, and only once the session's handshake is done. */
    private final class GatedSender implements MessageSender {

        @Override
        public CompletableFuture<Void> send(OutboundMessage message) {
            MqttConnection c = connection;
            if (c == null) {
                return CompletableFuture.failedFuture(new MqttNotConnectedException("Astarte is not connected yet"));
            }
            return c.publish(message.destination(), message.payload(), message.qos(), false);
        }

        @Override
        public boolean isReady() {
            MqttConnection c = connection;
            return c != null && c.isConnected() && session.isReady();
        }
    }

    private void wakeUp() {
        this.durable.wakeUp();
        this.memory.wakeUp();
    }

    // ---- receiving -----------------------------------------------------------------------------------------

    @Override
    public Optional<Object> getProperty(String interfaceName, String path) {
        return this.properties.get(interfaceName, path);
    }

    @Override
    public void addListener(AstarteServerListener listener) {
        this.inbound.addListener(listener);
    }

    @Override
    public Flux<AstarteServerEvent> receive() {
        return this.inbound.receive();
    }

    // ---- state ---------------------------------------------------------------------------------------------

    @Override
    public String getDeviceId() {
        return this.settings.deviceId();
    }

    @Override
    public boolean isConnected() {
        MqttConnection c = this.connection;
        return c != null && c.isConnected();
    }

    @Override
    public int pendingMessages() {
        return this.durable.getQueue().size() + this.memory.getQueue().size();
    }

    @Override
    public long droppedMessages() {
        return this.durable.droppedCount() + this.memory.droppedCount();
    }

    @Override
    public boolean flush(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            return this.durable.awaitDrained(timeout)
                    && this.memory.awaitDrained(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public boolean isPaired() {
        return this.pairing.isPaired();
    }

    public @Nullable Instant certificateNotAfter() {
        return this.pairing.certificateNotAfter();
    }

    public @Nullable String lastError() {
        MqttConnection c = this.connection;
        String pairingError = this.pairing.lastError();
        return (pairingError != null) ? pairingError : (c != null) ? c.lastFailure() : null;
    }

    /** The MQTT connection once pairing gave a broker URL, else null. */
    public @Nullable MqttConnection connection() {
        return this.connection;
    }

    /** The dispatcher of the durable queue (properties, stored datastreams), for metrics. */
    public Dispatcher durableDispatcher() {
        return this.durable;
    }

    /** The dispatcher of the in-memory queue (volatile datastreams), for metrics. */
    public Dispatcher volatileDispatcher() {
        return this.memory;
    }

    // ---- lifecycle -----------------------------------------------------------------------------------------

    @Override
    public void start() {
        if (this.running) {
            return;
        }
        this.running = true;
        this.durable.start();
        this.memory.start();
        MqttConnection c = this.connection;
        if (c != null) {
            // Started again after a stop: pairing is done, only the connection comes back.
            c.start();
        }
        else {
            this.connector.startWhenStoreIsOpen();
        }
    }

    @Override
    public void stop() {
        if (!this.running) {
            return;
        }
        // Drain while the connection is still up, then disconnect.
        this.durable.stop();
        this.memory.stop();
        this.running = false;
        MqttConnection c = this.connection;
        if (c != null) {
            c.stop();
        }
    }

    /** Stops (if running) and releases the background thread; the device cannot start again. */
    @Override
    public void close() {
        stop();
        MqttConnection c = this.connection;
        if (c != null) {
            c.close();
        }
        this.scheduler.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public int getPhase() {
        return IotLifecyclePhases.DELIVERY;
    }

    @Override
    public String toString() {
        return "AstarteDeviceClient[realm=" + this.settings.realm() + ", deviceId=" + this.settings.deviceId() + "]";
    }
}
