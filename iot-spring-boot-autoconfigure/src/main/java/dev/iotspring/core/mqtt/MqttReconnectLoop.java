package dev.iotspring.core.mqtt;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connect side of a {@link MqttConnection}: one connect attempt at a time on the connection's
 * {@link MqttScheduler}, credentials asked afresh for every attempt, failed attempts and lost connections
 * retried after the settings' backoff, a permanent credentials failure ending in {@link MqttConnectionState#FAILED}.
 *
 * <p>Every attempt carries a <em>generation</em>; stopping, reconnecting or scheduling another attempt makes the
 * older attempt's callbacks stale, so a late CONNACK never revives a connection that was given up.
 */
final class MqttReconnectLoop {

    private static final Logger logger = LoggerFactory.getLogger(MqttConnection.class);

    /** What the loop needs from its connection around a connect and a disconnect. */
    interface Hooks {

        /** Sends the subscriptions again after a CONNACK, then runs {@code done} (not when the connection drops). */
        void restoreSubscriptions(Runnable done);

        /** The connection is up and accepts publishes. */
        void connected(boolean sessionPresent);

        /** The connection is down, or an attempt failed. */
        void disconnected(Throwable cause, boolean willRetry);
    }

    private final MqttConnectionSettings settings;

    private final MqttAsyncClient client;

    private final MqttScheduler scheduler;

    private final ExecutorService workExecutor;

    private final MqttPublishWindow window;

    private final Hooks hooks;

    private final String serverUri;

    /** Guards the fields below. Taken before the publish window's lock. */
    private final Object lock = new Object();

    private volatile MqttConnectionState state = MqttConnectionState.NEW;

    private volatile boolean sessionPresent;

    private volatile boolean closed;

    private volatile @Nullable Instant connectedSince;

    private volatile @Nullable String lastFailure;

    /** Incremented whenever an attempt or its callbacks become stale (new attempt, reconnect, stop). */
    private long generation;

    private int failedAttempts;

    /** System.nanoTime() of the first failure since the last successful connect, 0 while up. */
    private long downSince;

    private boolean connectInProgress;

    private boolean reconnectRequested;

    private MqttScheduler.@Nullable Cancellable scheduled;

    MqttReconnectLoop(MqttConnectionSettings settings, MqttAsyncClient client, MqttScheduler scheduler,
            ExecutorService workExecutor, MqttPublishWindow window, Hooks hooks) {
        this.settings = settings;
        this.client = client;
        this.scheduler = scheduler;
        this.workExecutor = workExecutor;
        this.window = window;
        this.hooks = hooks;
        this.serverUri = settings.endpoint().pahoServerUri();
    }

    MqttConnectionState state() {
        return this.state;
    }

    boolean isSessionPresent() {
        return this.sessionPresent;
    }

    @Nullable Instant connectedSince() {
        return this.connectedSince;
    }

    @Nullable String lastFailure() {
        return this.lastFailure;
    }

    void start() {
        synchronized (this.lock) {
            if (this.closed) {
                throw new IllegalStateException("MQTT connection '" + this.settings.name() + "' is closed");
            }
            if (this.state != MqttConnectionState.NEW && this.state != MqttConnectionState.STOPPED
                    && this.state != MqttConnectionState.FAILED) {
                return;
            }
            this.failedAttempts = 0;
            this.state = MqttConnectionState.CONNECTING;
            scheduleAttempt(Duration.ZERO);
        }
    }

    void reconnect() {
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
        this.window.failPending(new MqttConnectionLostException("MQTT connection '" + this.settings.name()
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
     * Ends the loop: no further attempt, late callbacks are stale, new publishes are refused (those in flight
     * keep their slot).
     * @return false when the loop was not running
     */
    boolean stop() {
        synchronized (this.lock) {
            if (this.state == MqttConnectionState.NEW || this.state == MqttConnectionState.STOPPED) {
                return false;
            }
            ++this.generation;
            cancelScheduled();
            this.connectInProgress = false;
            this.reconnectRequested = false;
            markDown(MqttConnectionState.STOPPED);
            return true;
        }
    }

    /** After {@link #stop()}: no {@link #start()} any more. */
    void close() {
        this.closed = true;
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
            this.state = MqttConnectionState.CONNECTING;
        }
        MqttConnectOptions options;
        try {
            // Asked at every attempt, outside the lock: it may block on an identity provider.
            MqttCredentials credentials = Objects.requireNonNull(this.settings.credentials().get(),
                    "credentials provider returned null");
            options = connectOptions(this.settings, credentials);
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

    /** Paho's options for one connect attempt (package-private: tests check the transport each scheme gets). */
    static MqttConnectOptions connectOptions(MqttConnectionSettings settings, MqttCredentials credentials) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(settings.protocolVersion() == MqttProtocolVersion.V3_1
                ? MqttConnectOptions.MQTT_VERSION_3_1 : MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(settings.cleanSession());
        o.setKeepAliveInterval((int) settings.keepAlive().getSeconds());
        o.setConnectionTimeout((int) Math.max(1, settings.connectTimeout().toSeconds()));
        o.setAutomaticReconnect(false);
        // Paho's own window must never be what refuses a publish: ours is the limit. With a persistent session Paho
        // also finishes the QoS 2 exchanges a lost connection interrupted (MqttPublishWindow), beside ours.
        o.setMaxInflight(settings.cleanSession() ? settings.maxInflight()
                : Math.min(65535, settings.maxInflight() + MqttPublishWindow.MAX_QOS2_INFLIGHT));
        if (credentials.username() != null) {
            o.setUserName(credentials.username());
        }
        char[] password = credentials.password();
        if (password != null) {
            o.setPassword(password);
        }
        if (settings.endpoint().isTls()) {
            MqttTls tls = (settings.tls() != null) ? settings.tls() : MqttTls.jvmDefault();
            if (tls.socketFactory() != null) {
                o.setSocketFactory(tls.socketFactory());
            }
            o.setHttpsHostnameVerificationEnabled(tls.hostnameVerification());
        }
        else {
            o.setSocketFactory(BufferedReadSocketFactory.INSTANCE);
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
            // Stopped while connecting: do not keep the connection open. (Paho can neither abort a CONNECT nor
            // close a client while it connects, and forcing its socket closed then can hang Paho's connect thread.)
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
        long g = gen;
        if (present && !this.settings.resubscribeWhenSessionPresent()) {
            // The broker kept the subscriptions with the session.
            markConnected(g, present);
            return;
        }
        this.hooks.restoreSubscriptions(() -> markConnected(g, present));
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
            this.window.transition(() -> this.state = MqttConnectionState.CONNECTED, false);
        }
        if (failed > 0) {
            logger.info("MQTT {}: connected to {} as {} after {} ms down (session present: {})",
                    this.settings.name(), this.serverUri, this.settings.clientId(), downMillis, present);
        }
        else {
            logger.info("MQTT {}: connected to {} as {} (session present: {})", this.settings.name(), this.serverUri,
                    this.settings.clientId(), present);
        }
        this.hooks.connected(present);
        this.window.drain();
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
                this.state = MqttConnectionState.FAILED;
            }
            else {
                delay = this.reconnectRequested ? Duration.ZERO : nextDelay();
                this.reconnectRequested = false;
                this.failedAttempts++;
                this.state = MqttConnectionState.DISCONNECTED;
                scheduleAttempt(delay);
            }
        }
        String failure = MqttConnection.describe(cause);
        this.lastFailure = failure;
        if (permanent) {
            logger.error("MQTT {}: giving up connecting to {}: {}", this.settings.name(), this.serverUri, failure);
        }
        else if (attemptNumber == 1) {
            logger.warn("MQTT {}: connect to {} failed ({}); retrying with back-off, next attempt in {} ms",
                    this.settings.name(), this.serverUri, failure, delay.toMillis());
        }
        else {
            // One warning per outage is enough; the rest is visible at debug level and in health/metrics.
            logger.debug("MQTT {}: connect attempt {} to {} failed ({}); next attempt in {} ms", this.settings.name(),
                    attemptNumber, this.serverUri, failure, delay.toMillis());
        }
        this.hooks.disconnected(cause, !permanent);
    }

    /** Paho's callback: the connection dropped. */
    void connectionLost(Throwable cause) {
        Duration delay;
        synchronized (this.lock) {
            if (!isActive() || this.connectInProgress) {
                return;
            }
            delay = nextDelay();
            this.failedAttempts++;
            this.downSince = System.nanoTime();
            markDown(MqttConnectionState.DISCONNECTED);
            scheduleAttempt(delay);
        }
        this.lastFailure = "connection lost: " + MqttConnection.describe(cause);
        logger.warn("MQTT {}: connection to {} lost ({}); reconnecting in {} ms", this.settings.name(),
                this.serverUri, MqttConnection.describe(cause), delay.toMillis());
        this.window.failPending(new MqttConnectionLostException("MQTT connection '" + this.settings.name()
                + "' was lost before the broker acknowledged the message", cause));
        this.hooks.disconnected(cause, true);
    }

    /** Holds {@link #lock}: the delay before the next attempt, counting the failures so far. */
    private Duration nextDelay() {
        return this.settings.backoff().delay(this.failedAttempts + 1, this.settings.random());
    }

    /** Holds {@link #lock}: leaves CONNECTED so that no publish is accepted for the old connection. */
    private void markDown(MqttConnectionState next) {
        this.window.transition(() -> this.state = next, true);
    }

    private void runOffCallbackThread(Runnable task) {
        try {
            this.workExecutor.execute(task);
        }
        catch (RejectedExecutionException ex) {
            // Closed meanwhile. A CONNACK that still arrives for a CONNECT made before close() must be answered
            // with a disconnect all the same, and Paho refuses one on its callback thread.
            Thread thread = new Thread(task, "mqtt-" + this.settings.name() + "-late-disconnect");
            thread.setDaemon(true);
            thread.start();
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
            logger.debug("MQTT {}: forced disconnect: {}", this.settings.name(), MqttConnection.describe(ex));
        }
    }

    private boolean isActive() {
        MqttConnectionState s = this.state;
        return !this.closed && s != MqttConnectionState.STOPPED && s != MqttConnectionState.FAILED
                && s != MqttConnectionState.NEW;
    }
}
