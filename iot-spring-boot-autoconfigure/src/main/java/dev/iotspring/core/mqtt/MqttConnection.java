package dev.iotspring.core.mqtt;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.MqttTopic;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

import dev.iotspring.core.lifecycle.IotLifecyclePhases;

/**
 * One MQTT 3.1.1 connection over the Paho v3 async client, kept up by its own reconnect loop.
 *
 * <ul>
 * <li>{@link #start()} never blocks: the first attempt runs on the connection's scheduler, so an application
 * starts while its broker is down.</li>
 * <li>Every connect attempt asks the {@link MqttCredentialsProvider} afresh (tokens and SAS passwords change);
 * failed attempts are retried after {@link MqttReconnectBackoff} delays; a permanent credentials failure stops
 * the loop ({@link MqttConnectionState#FAILED}).</li>
 * <li>{@link #publish} returns a future completed when the broker acknowledged the message (PUBACK for QoS 1,
 * PUBCOMP for QoS 2; QoS 0 when written), never on hand-off. At most {@code maxInflight} publishes await
 * their acknowledgement; further ones wait in order for a free slot (nothing is dropped). When the connection
 * goes down, every unacknowledged publish fails with {@link MqttConnectionLostException} so the caller can
 * retry it in its original order.</li>
 * <li>Subscriptions are kept here and sent again after every connect, before listeners hear
 * {@link MqttConnectionListener#connected(boolean) connected(sessionPresent)}.</li>
 * </ul>
 *
 * Paho's automatic reconnect is off: it would reuse the credentials of the first connect.
 * The connection is a {@link SmartLifecycle} in phase {@link IotLifecyclePhases#CONNECTION} when it is a bean.
 */
public final class MqttConnection implements SmartLifecycle, AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(MqttConnection.class);

    private static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

    private final MqttConnectionSettings settings;

    private final MqttAsyncClient client;

    private final MqttScheduler scheduler;

    private final String serverUri;

    /** Guards state, generation, attempts and the scheduled attempt. Taken before {@link #sendLock}. */
    private final Object lock = new Object();

    /** Orders publishes onto the wire and guards {@link #epoch}. */
    private final Object sendLock = new Object();

    private final Semaphore window;

    /**
     * Work that must not run on Paho's callback thread: sending publishes that waited for a window slot, and
     * disconnecting (Paho refuses a disconnect from its own callback thread, reason 32107).
     */
    private final ExecutorService workExecutor;

    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    /** One listener for every publish; the publish travels as the token's user context. */
    private final IMqttActionListener publishListener = new IMqttActionListener() {
        @Override
        public void onSuccess(IMqttToken token) {
            if (token.getUserContext() instanceof PendingPublish p) {
                finish(p, null);
            }
        }

        @Override
        public void onFailure(IMqttToken token, Throwable ex) {
            if (token.getUserContext() instanceof PendingPublish p) {
                finish(p, translate(ex));
            }
        }
    };

    private final Queue<PendingPublish> waiting = new ConcurrentLinkedQueue<>();

    private final Set<PendingPublish> inflight = ConcurrentHashMap.newKeySet();

    private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();

    private final List<MqttConnectionListener> listeners = new CopyOnWriteArrayList<>();

    private volatile MqttConnectionState state = MqttConnectionState.NEW;

    private volatile boolean sessionPresent;

    private volatile boolean closed;

    private volatile @Nullable Instant connectedSince;

    private volatile @Nullable String lastFailure;

    /** Incremented whenever an attempt or its callbacks become stale (new attempt, reconnect, stop). */
    private long generation;

    /** Incremented on every disconnect: publishes accepted in an older epoch fail instead of being sent. */
    private long epoch;

    private int failedAttempts;

    /** System.nanoTime() of the first failure since the last successful connect, 0 while up. */
    private long downSince;

    private boolean connectInProgress;

    private boolean reconnectRequested;

    private MqttScheduler.@Nullable Cancellable scheduled;

    public MqttConnection(MqttConnectionSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.serverUri = settings.endpoint().pahoServerUri();
        try {
            // In-memory persistence: durability is the outbound queue's job, not Paho's.
            this.client = new MqttAsyncClient(this.serverUri, settings.clientId(), new MemoryPersistence());
        }
        catch (MqttException ex) {
            throw new IllegalArgumentException("Cannot create an MQTT client for " + this.serverUri + ": "
                    + ex.getMessage(), ex);
        }
        this.client.setCallback(new Callback());
        this.window = new Semaphore(settings.maxInflight());
        this.scheduler = settings.schedulerFactory().get();
        String workThread = "mqtt-" + settings.name() + "-work";
        this.workExecutor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, workThread);
            thread.setDaemon(true);
            return thread;
        });
    }

    public MqttConnectionSettings settings() {
        return this.settings;
    }

    public MqttConnectionState state() {
        return this.state;
    }

    /** Connected and subscriptions restored: publishes are accepted. */
    public boolean isConnected() {
        return this.state == MqttConnectionState.CONNECTED;
    }

    /** When the current connection was established; null while not connected. For health details. */
    public @Nullable Instant connectedSince() {
        return isConnected() ? this.connectedSince : null;
    }

    /**
     * One line describing the last failed connect or lost connection (reason code and cause, never
     * credentials), or null if there was none. For health details and troubleshooting.
     */
    public @Nullable String lastFailure() {
        return this.lastFailure;
    }

    /** The session-present flag of the last accepted CONNACK. */
    public boolean isSessionPresent() {
        return this.sessionPresent;
    }

    /** Publishes awaiting their acknowledgement plus those waiting for a window slot. */
    public int pendingCount() {
        return this.inflight.size() + this.waiting.size();
    }

    /** Publishes sent and awaiting their acknowledgement; never more than {@code maxInflight}. */
    public int inflightCount() {
        return this.inflight.size();
    }

    /** Publishes accepted and waiting for a free slot in the in-flight window. */
    public int waitingCount() {
        return this.waiting.size();
    }

    public void addConnectionListener(MqttConnectionListener listener) {
        this.listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeConnectionListener(MqttConnectionListener listener) {
        this.listeners.remove(listener);
    }

    /** Starts connecting in the background; returns at once. Calling it again while running does nothing. */
    @Override
    public void start() {
        synchronized (this.lock) {
            if (this.closed) {
                throw new IllegalStateException("MQTT connection '" + this.settings.name() + "' is closed");
            }
            if (this.state != MqttConnectionState.NEW && this.state != MqttConnectionState.STOPPED
                    && this.state != MqttConnectionState.FAILED) {
                return;
            }
            this.failedAttempts = 0;
            setState(MqttConnectionState.CONNECTING);
            scheduleAttempt(Duration.ZERO);
        }
    }

    @Override
    public boolean isRunning() {
        MqttConnectionState s = this.state;
        return s != MqttConnectionState.NEW && s != MqttConnectionState.STOPPED;
    }

    @Override
    public int getPhase() {
        return IotLifecyclePhases.CONNECTION;
    }

    /**
     * Drops the current connection (if any) and connects again at once with fresh credentials, e.g. after a
     * token refresh. Unacknowledged publishes fail with {@link MqttConnectionLostException}.
     */
    public void reconnect() {
        boolean disconnect = false;
        long gen;
        synchronized (this.lock) {
            MqttConnectionState s = this.state;
            if (s == MqttConnectionState.NEW || s == MqttConnectionState.STOPPED || s == MqttConnectionState.FAILED) {
                return;
            }
            if (this.connectInProgress) {
                // Paho cannot abort a CONNECT in flight; act on its outcome instead.
                this.reconnectRequested = true;
                return;
            }
            gen = ++this.generation;
            cancelScheduled();
            this.failedAttempts = 0;
            if (s == MqttConnectionState.CONNECTED || this.client.isConnected()) {
                disconnect = true;
                markDown(MqttConnectionState.CONNECTING);
            }
            else {
                scheduleAttempt(Duration.ZERO);
            }
        }
        logger.info("MQTT {}: reconnecting to {} on request", this.settings.name(), this.serverUri);
        failPending(new MqttConnectionLostException("MQTT connection '" + this.settings.name()
                + "' reconnects on request; the message was not acknowledged", null));
        if (disconnect) {
            // Callers may be connection listeners running on Paho's callback thread.
            runOffCallbackThread(() -> disconnectThen(() -> {
                synchronized (this.lock) {
                    if (gen == this.generation) {
                        scheduleAttempt(Duration.ZERO);
                    }
                }
            }));
        }
    }

    /**
     * Publishes a message.
     * @return completes when the broker acknowledged it (QoS 1: PUBACK, QoS 2: PUBCOMP, QoS 0: written);
     * fails with {@link MqttNotConnectedException} when not connected, {@link MqttConnectionLostException}
     * when the connection went down before the acknowledgement, {@link MqttPublishException} otherwise
     * @throws IllegalArgumentException for an invalid topic or QoS (nothing is sent)
     */
    public CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retain) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("MQTT QoS must be 0, 1 or 2 but was " + qos);
        }
        MqttTopic.validate(topic, false);
        PendingPublish publish = new PendingPublish(topic, payload, qos, retain);
        synchronized (this.sendLock) {
            if (this.state != MqttConnectionState.CONNECTED) {
                publish.future.completeExceptionally(notConnected());
                return publish.future;
            }
            publish.epoch = this.epoch;
            this.waiting.add(publish);
        }
        drain();
        return publish.future;
    }

    /**
     * Subscribes now (when connected) and after every future connect.
     * @return completes with the granted QoS once the broker answered (or at once with -1 when not connected;
     * the subscription is then sent on the next connect); a refusal (SUBACK 0x80) completes with 128
     */
    public CompletableFuture<Integer> subscribe(String topicFilter, int qos, MqttMessageListener listener) {
        Objects.requireNonNull(listener, "listener");
        MqttTopic.validate(topicFilter, true);
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("MQTT QoS must be 0, 1 or 2 but was " + qos);
        }
        synchronized (this.subscriptions) {
            this.subscriptions.put(topicFilter, new Subscription(topicFilter, qos, listener));
        }
        CompletableFuture<Integer> result = new CompletableFuture<>();
        if (!isConnected()) {
            result.complete(-1);
            return result;
        }
        try {
            this.client.subscribe(topicFilter, qos, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    int[] granted = token.getGrantedQos();
                    result.complete((granted != null && granted.length > 0) ? granted[0] : qos);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable ex) {
                    result.completeExceptionally(ex);
                }
            });
        }
        catch (MqttException ex) {
            result.completeExceptionally(ex);
        }
        return result;
    }

    /** Forgets a subscription and unsubscribes when connected. */
    public void unsubscribe(String topicFilter) {
        synchronized (this.subscriptions) {
            this.subscriptions.remove(topicFilter);
        }
        if (isConnected()) {
            try {
                this.client.unsubscribe(topicFilter);
            }
            catch (MqttException ex) {
                logger.warn("MQTT {}: unsubscribe from {} failed: {}", this.settings.name(), topicFilter,
                        describe(ex));
            }
        }
    }

    @Override
    public void stop() {
        stop(DEFAULT_STOP_TIMEOUT);
    }

    /**
     * Stops reconnecting and disconnects, giving publishes in flight up to {@code timeout} to be
     * acknowledged; what is still unacknowledged then fails with {@link MqttConnectionLostException}.
     * {@link #start()} connects again.
     * @return true when nothing was left unacknowledged
     */
    public boolean stop(Duration timeout) {
        synchronized (this.lock) {
            if (this.state == MqttConnectionState.NEW || this.state == MqttConnectionState.STOPPED) {
                return true;
            }
            ++this.generation;
            cancelScheduled();
            this.connectInProgress = false;
            this.reconnectRequested = false;
            // New publishes are refused from here; those in flight keep their slot until acked or timed out.
            markDown(MqttConnectionState.STOPPED);
        }
        failWaiting(new MqttConnectionLostException("MQTT connection '" + this.settings.name()
                + "' stopped before the message was sent", null));
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean clean = awaitInflight(deadline);
        try {
            if (this.client.isConnected()) {
                long remaining = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                this.client.disconnect(remaining).waitForCompletion(remaining + 1000);
            }
        }
        catch (MqttException ex) {
            try {
                this.client.disconnectForcibly(0, 1000, false);
            }
            catch (MqttException ignored) {
                // already down
            }
        }
        clean &= this.inflight.isEmpty();
        failPending(new MqttConnectionLostException("MQTT connection '" + this.settings.name()
                + "' stopped before the broker acknowledged the message", null));
        logger.info("MQTT {}: stopped", this.settings.name());
        notifyDisconnected(new MqttConnectionLostException("stopped", null), false);
        return clean;
    }

    @Override
    public void stop(Runnable callback) {
        try {
            stop();
        }
        finally {
            callback.run();
        }
    }

    /** Stops (see {@link #stop(Duration)}) and releases the client and scheduler; the connection is done. */
    @Override
    public void close() {
        if (this.closed) {
            return;
        }
        stop(DEFAULT_STOP_TIMEOUT);
        this.closed = true;
        try {
            this.client.close(true);
        }
        catch (MqttException ex) {
            logger.debug("MQTT {}: closing the client: {}", this.settings.name(), describe(ex));
        }
        this.scheduler.shutdown();
        this.workExecutor.shutdown();
    }

    @Override
    public String toString() {
        return "MqttConnection[" + this.settings.name() + ", " + this.serverUri + ", " + this.state + "]";
    }

    // ---------------------------------------------------------------------------------------------- connect

    /** Holds {@link #lock}. */
    private void scheduleAttempt(Duration delay) {
        long gen = ++this.generation;
        cancelScheduled();
        this.scheduled = this.scheduler.schedule(() -> attempt(gen), delay);
    }

    private void cancelScheduled() {
        MqttScheduler.Cancellable c = this.scheduled;
        this.scheduled = null;
        if (c != null) {
            c.cancel();
        }
    }

    private void attempt(long gen) {
        synchronized (this.lock) {
            if (gen != this.generation || !isActive()) {
                return;
            }
            this.scheduled = null;
            this.connectInProgress = true;
            this.reconnectRequested = false;
            setState(MqttConnectionState.CONNECTING);
        }
        MqttConnectOptions options;
        try {
            // Asked at every attempt, outside the lock: it may block on an identity provider.
            MqttCredentials credentials = Objects.requireNonNull(this.settings.credentials().get(),
                    "credentials provider returned null");
            options = options(credentials);
        }
        catch (Exception ex) {
            attemptFailed(gen, ex);
            return;
        }
        try {
            logger.debug("MQTT {}: connecting to {}", this.settings.name(), this.serverUri);
            this.client.connect(options, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    connectAccepted(gen, token.getSessionPresent());
                }

                @Override
                public void onFailure(IMqttToken token, Throwable ex) {
                    attemptFailed(gen, ex);
                }
            });
        }
        catch (MqttException | RuntimeException ex) {
            attemptFailed(gen, ex);
        }
    }

    private MqttConnectOptions options(MqttCredentials credentials) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(this.settings.protocolVersion() == MqttProtocolVersion.V3_1
                ? MqttConnectOptions.MQTT_VERSION_3_1 : MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(this.settings.cleanSession());
        o.setKeepAliveInterval((int) this.settings.keepAlive().getSeconds());
        o.setConnectionTimeout((int) Math.max(1, this.settings.connectTimeout().toSeconds()));
        o.setAutomaticReconnect(false);
        // Paho's own window must never be what refuses a publish: ours (the semaphore) is the limit.
        o.setMaxInflight(this.settings.maxInflight());
        if (credentials.username() != null) {
            o.setUserName(credentials.username());
        }
        char[] password = credentials.password();
        if (password != null) {
            o.setPassword(password);
        }
        if (this.settings.endpoint().isTls()) {
            MqttTls tls = (this.settings.tls() != null) ? this.settings.tls() : MqttTls.jvmDefault();
            if (tls.socketFactory() != null) {
                o.setSocketFactory(tls.socketFactory());
            }
            o.setHttpsHostnameVerificationEnabled(tls.hostnameVerification());
        }
        return o;
    }

    private void connectAccepted(long gen, boolean present) {
        boolean redo;
        synchronized (this.lock) {
            this.connectInProgress = false;
            redo = this.reconnectRequested;
            this.reconnectRequested = false;
            if (gen != this.generation || !isActive()) {
                redo = false;
                gen = -1;
            }
        }
        if (gen == -1) {
            // Stopped while connecting: do not keep the connection open.
            runOffCallbackThread(this::disconnectQuietly);
            return;
        }
        if (redo) {
            logger.debug("MQTT {}: connected, but a reconnect was requested meanwhile", this.settings.name());
            long g = gen;
            runOffCallbackThread(() -> disconnectThen(() -> {
                synchronized (this.lock) {
                    if (g == this.generation && isActive()) {
                        scheduleAttempt(Duration.ZERO);
                    }
                }
            }));
            return;
        }
        if (present && !this.settings.resubscribeWhenSessionPresent()) {
            // The broker kept the subscriptions with the session.
            markConnected(gen, present);
            return;
        }
        restoreSubscriptions(gen, present);
    }

    private void restoreSubscriptions(long gen, boolean present) {
        List<Subscription> subs;
        synchronized (this.subscriptions) {
            subs = new ArrayList<>(this.subscriptions.values());
        }
        if (subs.isEmpty()) {
            markConnected(gen, present);
            return;
        }
        String[] filters = subs.stream().map(Subscription::filter).toArray(String[]::new);
        int[] qos = subs.stream().mapToInt(Subscription::qos).toArray();
        try {
            this.client.subscribe(filters, qos, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    int[] granted = token.getGrantedQos();
                    for (int i = 0; granted != null && i < granted.length && i < filters.length; i++) {
                        if (granted[i] == 0x80) {
                            logger.warn("MQTT {}: broker refused the subscription to {}", settings.name(), filters[i]);
                        }
                    }
                    markConnected(gen, present);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable ex) {
                    // A lost connection is handled by connectionLost; otherwise carry on without them.
                    if (client.isConnected()) {
                        logger.warn("MQTT {}: restoring {} subscription(s) failed: {}", settings.name(), filters.length,
                                describe(ex));
                        markConnected(gen, present);
                    }
                }
            });
        }
        catch (MqttException ex) {
            logger.warn("MQTT {}: restoring subscriptions failed: {}", this.settings.name(), describe(ex));
            if (this.client.isConnected()) {
                markConnected(gen, present);
            }
        }
    }

    private void markConnected(long gen, boolean present) {
        int failed;
        long downMillis;
        synchronized (this.lock) {
            if (gen != this.generation || !isActive() || this.state == MqttConnectionState.CONNECTED) {
                return;
            }
            failed = this.failedAttempts;
            long since = this.downSince;
            this.downSince = 0;
            downMillis = (since != 0) ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since) : 0;
            this.failedAttempts = 0;
            this.sessionPresent = present;
            this.connectedSince = Instant.now();
            synchronized (this.sendLock) {
                setState(MqttConnectionState.CONNECTED);
            }
        }
        if (failed > 0) {
            logger.info("MQTT {}: connected to {} as {} after {} ms down (session present: {})",
                    this.settings.name(), this.serverUri, this.settings.clientId(), downMillis, present);
        }
        else {
            logger.info("MQTT {}: connected to {} as {} (session present: {})", this.settings.name(), this.serverUri,
                    this.settings.clientId(), present);
        }
        for (MqttConnectionListener listener : this.listeners) {
            try {
                listener.connected(present);
            }
            catch (RuntimeException ex) {
                logger.warn("MQTT {}: connection listener failed", this.settings.name(), ex);
            }
        }
        drain();
    }

    private void attemptFailed(long gen, Throwable cause) {
        boolean permanent = cause instanceof MqttCredentialsException ce && ce.isPermanent();
        Duration delay = null;
        int attemptNumber;
        synchronized (this.lock) {
            if (gen != this.generation || !isActive()) {
                return;
            }
            this.connectInProgress = false;
            attemptNumber = this.failedAttempts + 1;
            if (this.downSince == 0) {
                this.downSince = System.nanoTime();
            }
            if (permanent) {
                setState(MqttConnectionState.FAILED);
            }
            else {
                delay = this.reconnectRequested ? Duration.ZERO
                        : this.settings.backoff().delay(this.failedAttempts, this.settings.random());
                this.reconnectRequested = false;
                this.failedAttempts++;
                setState(MqttConnectionState.DISCONNECTED);
                scheduleAttempt(delay);
            }
        }
        this.lastFailure = describe(cause);
        if (permanent) {
            logger.error("MQTT {}: giving up connecting to {}: {}", this.settings.name(), this.serverUri,
                    describe(cause));
        }
        else if (attemptNumber == 1) {
            logger.warn("MQTT {}: connect to {} failed ({}); retrying with back-off, next attempt in {} ms",
                    this.settings.name(), this.serverUri, describe(cause), delay.toMillis());
        }
        else {
            // One warning per outage is enough; the rest is visible at debug level and in health/metrics.
            logger.debug("MQTT {}: connect attempt {} to {} failed ({}); next attempt in {} ms", this.settings.name(),
                    attemptNumber, this.serverUri, describe(cause), delay.toMillis());
        }
        notifyDisconnected(cause, !permanent);
    }

    private void connectionLost(Throwable cause) {
        Duration delay;
        synchronized (this.lock) {
            if (!isActive() || this.connectInProgress) {
                return;
            }
            delay = this.settings.backoff().delay(this.failedAttempts, this.settings.random());
            this.failedAttempts++;
            this.downSince = System.nanoTime();
            markDown(MqttConnectionState.DISCONNECTED);
            scheduleAttempt(delay);
        }
        this.lastFailure = "connection lost: " + describe(cause);
        logger.warn("MQTT {}: connection to {} lost ({}); reconnecting in {} ms", this.settings.name(),
                this.serverUri, describe(cause), delay.toMillis());
        failPending(new MqttConnectionLostException("MQTT connection '" + this.settings.name()
                + "' was lost before the broker acknowledged the message", cause));
        notifyDisconnected(cause, true);
    }

    /** Holds {@link #lock}: leaves CONNECTED so that no publish is accepted for the old connection. */
    private void markDown(MqttConnectionState next) {
        synchronized (this.sendLock) {
            this.epoch++;
            setState(next);
        }
    }

    private void runOffCallbackThread(Runnable task) {
        try {
            this.workExecutor.execute(task);
        }
        catch (java.util.concurrent.RejectedExecutionException ex) {
            // Closed meanwhile: the client is closed too.
        }
    }

    private void disconnectThen(Runnable then) {
        try {
            this.client.disconnect(0, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    then.run();
                }

                @Override
                public void onFailure(IMqttToken token, Throwable ex) {
                    disconnectQuietly();
                    then.run();
                }
            });
        }
        catch (MqttException ex) {
            disconnectQuietly();
            then.run();
        }
    }

    private void disconnectQuietly() {
        try {
            if (this.client.isConnected()) {
                this.client.disconnectForcibly(0, 1000, false);
            }
        }
        catch (MqttException ex) {
            logger.debug("MQTT {}: forced disconnect: {}", this.settings.name(), describe(ex));
        }
    }

    private boolean isActive() {
        MqttConnectionState s = this.state;
        return !this.closed && s != MqttConnectionState.STOPPED && s != MqttConnectionState.FAILED
                && s != MqttConnectionState.NEW;
    }

    private void setState(MqttConnectionState next) {
        this.state = next;
    }

    private void notifyDisconnected(Throwable cause, boolean willRetry) {
        for (MqttConnectionListener listener : this.listeners) {
            try {
                listener.disconnected(cause, willRetry);
            }
            catch (RuntimeException ex) {
                logger.warn("MQTT {}: connection listener failed", this.settings.name(), ex);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- publish

    /** Sends waiting publishes while the window has room, in the order they were accepted. */
    private void drain() {
        synchronized (this.sendLock) {
            while (!this.waiting.isEmpty() && this.window.tryAcquire()) {
                PendingPublish p = this.waiting.poll();
                if (p == null) {
                    this.window.release();
                    return;
                }
                if (p.epoch != this.epoch || this.state != MqttConnectionState.CONNECTED) {
                    this.window.release();
                    p.future.completeExceptionally(new MqttConnectionLostException("MQTT connection '"
                            + this.settings.name() + "' went down before the message was sent", null));
                    continue;
                }
                send(p);
            }
        }
    }

    /** Holds {@link #sendLock} and one window permit. */
    private void send(PendingPublish p) {
        this.inflight.add(p);
        try {
            MqttMessage message = new MqttMessage(p.payload);
            message.setQos(p.qos);
            message.setRetained(p.retain);
            p.token = this.client.publish(p.topic, message, p, this.publishListener);
        }
        catch (MqttException ex) {
            finish(p, translate(ex));
        }
        catch (RuntimeException ex) {
            finish(p, new MqttPublishException("MQTT publish to " + p.topic + " failed: " + ex.getMessage(), 0, ex));
        }
    }

    private MqttPublishException translate(Throwable ex) {
        if (ex instanceof MqttException me) {
            int code = me.getReasonCode();
            if (code == MqttException.REASON_CODE_CONNECTION_LOST
                    || code == MqttException.REASON_CODE_CLIENT_NOT_CONNECTED
                    || code == MqttException.REASON_CODE_CLIENT_DISCONNECTING
                    || code == MqttException.REASON_CODE_CLIENT_CLOSED) {
                return new MqttConnectionLostException("MQTT connection '" + this.settings.name()
                        + "' went down before the broker acknowledged the message (" + describe(me) + ")", me);
            }
            return new MqttPublishException("MQTT publish failed: " + describe(me), code, me);
        }
        return new MqttPublishException("MQTT publish failed: " + ex, 0, ex);
    }

    private void finish(PendingPublish p, @Nullable MqttPublishException error) {
        if (!p.done.compareAndSet(false, true)) {
            return;
        }
        IMqttDeliveryToken token = p.token;
        if (error instanceof MqttConnectionLostException && token != null && !this.settings.cleanSession()) {
            try {
                // With a persistent session Paho would resend it on reconnect, outside our window; the caller
                // retries it instead, in its own order.
                this.client.removeMessage(token);
            }
            catch (MqttException | RuntimeException ex) {
                logger.debug("MQTT {}: removing an unacknowledged message: {}", this.settings.name(), ex.toString());
            }
        }
        this.inflight.remove(p);
        this.window.release();
        if (this.inflight.isEmpty()) {
            synchronized (this.inflight) {
                this.inflight.notifyAll();
            }
        }
        if (error == null) {
            p.future.complete(null);
        }
        else {
            p.future.completeExceptionally(error);
        }
        if (!this.waiting.isEmpty() && this.drainScheduled.compareAndSet(false, true)) {
            // Not on Paho's callback thread: it should go back to completing acknowledgements while another
            // thread feeds the freed slots (one pass serves many acknowledgements).
            this.workExecutor.execute(() -> {
                this.drainScheduled.set(false);
                drain();
            });
        }
    }

    private void failWaiting(MqttPublishException error) {
        synchronized (this.sendLock) {
            PendingPublish p;
            while ((p = this.waiting.poll()) != null) {
                p.future.completeExceptionally(error);
            }
        }
    }

    /** Fails everything not acknowledged; Paho forgets those messages so they are not sent twice by it. */
    private void failPending(MqttPublishException error) {
        failWaiting(error);
        for (PendingPublish p : new ArrayList<>(this.inflight)) {
            finish(p, error);
        }
    }

    private boolean awaitInflight(long deadlineNanos) {
        while (!this.inflight.isEmpty()) {
            long remaining = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (remaining <= 0) {
                return false;
            }
            try {
                synchronized (this.inflight) {
                    if (!this.inflight.isEmpty()) {
                        this.inflight.wait(remaining);
                    }
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return this.inflight.isEmpty();
    }

    private MqttNotConnectedException notConnected() {
        return new MqttNotConnectedException("MQTT connection '" + this.settings.name() + "' to " + this.serverUri
                + " is not connected (state " + this.state + ")");
    }

    /** One line, no stack trace: reconnects are expected. Never contains credentials. */
    static String describe(Throwable ex) {
        if (ex instanceof MqttException me) {
            Throwable cause = me.getCause();
            String text = "reason " + me.getReasonCode() + ": " + me.getMessage();
            return (cause != null) ? text + " - " + cause.getClass().getSimpleName() + ": " + cause.getMessage() : text;
        }
        return ex.getClass().getSimpleName() + ": " + ex.getMessage();
    }

    private final class Callback implements MqttCallback {

        @Override
        public void connectionLost(Throwable cause) {
            MqttConnection.this.connectionLost(cause);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            List<Subscription> matching = new ArrayList<>(1);
            synchronized (subscriptions) {
                for (Subscription s : subscriptions.values()) {
                    if (MqttTopic.isMatched(s.filter(), topic)) {
                        matching.add(s);
                    }
                }
            }
            if (matching.isEmpty()) {
                logger.debug("MQTT {}: message on {} matches no subscription", settings.name(), topic);
                return;
            }
            MqttInboundMessage inbound = new MqttInboundMessage(topic, message.getPayload(), message.getQos(),
                    message.isRetained(), message.isDuplicate());
            for (Subscription s : matching) {
                try {
                    s.listener().onMessage(inbound);
                }
                catch (Exception ex) {
                    // Thrown out of here, Paho would close the connection.
                    logger.warn("MQTT {}: listener for {} failed on a message from {}", settings.name(), s.filter(),
                            topic, ex);
                }
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // Futures complete through each publish's own action listener.
        }
    }

    private record Subscription(String filter, int qos, MqttMessageListener listener) {
    }

    private static final class PendingPublish {

        final String topic;

        final byte[] payload;

        final int qos;

        final boolean retain;

        final CompletableFuture<Void> future = new CompletableFuture<>();

        final AtomicBoolean done = new AtomicBoolean();

        long epoch;

        volatile @Nullable IMqttDeliveryToken token;

        PendingPublish(String topic, byte[] payload, int qos, boolean retain) {
            this.topic = topic;
            this.payload = payload;
            this.qos = qos;
            this.retain = retain;
        }
    }
}
