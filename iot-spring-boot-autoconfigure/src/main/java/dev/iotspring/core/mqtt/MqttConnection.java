package dev.iotspring.core.mqtt;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClientPersistence;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.MqttTopic;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

import dev.iotspring.core.lifecycle.IotLifecyclePhases;
import dev.iotspring.core.store.JdbcKeyValueStore;

/**
 * One MQTT 3.1.1 connection over the Paho v3 async client, kept up by its own reconnect loop.
 *
 * <ul>
 * <li>{@link #start()} never blocks: the first attempt runs on the connection's scheduler, so an application
 * starts while its broker is down.</li>
 * <li>Every connect attempt asks the {@link MqttCredentialsProvider} afresh (tokens and SAS passwords change);
 * failed attempts are retried after {@link MqttConnectionSettings#backoff() backoff} delays; a permanent credentials failure stops
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
 * Paho's automatic reconnect is off: it would reuse the credentials of the first connect. The reconnect loop
 * ({@code MqttReconnectLoop}) and the publish window ({@code MqttPublishWindow}) are package-private state
 * machines; this class wires them to one Paho client and keeps the subscriptions.
 * The connection is a {@link SmartLifecycle} in phase {@link IotLifecyclePhases#CONNECTION} when it is a bean.
 */
public final class MqttConnection implements SmartLifecycle, AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(MqttConnection.class);

    private static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

    private final MqttConnectionSettings settings;

    private final MqttAsyncClient client;

    private final MqttScheduler scheduler;

    private final String serverUri;

    /**
     * Work that must not run on Paho's callback thread: sending publishes that waited for a window slot, and
     * disconnecting (Paho refuses a disconnect from its own callback thread, reason 32107).
     */
    private final ExecutorService workExecutor;

    private final MqttPublishWindow window;

    private final MqttReconnectLoop loop;

    private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();

    private final List<MqttConnectionListener> listeners = new CopyOnWriteArrayList<>();

    private volatile boolean closed;

    public MqttConnection(MqttConnectionSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.serverUri = settings.endpoint().pahoServerUri();
        try {
            // Durability of messages is the outbound queue's job, not Paho's; only open QoS 2 exchanges may need to
            // outlive the process.
            JdbcKeyValueStore qos2Store = settings.qos2Store();
            MqttClientPersistence persistence = (qos2Store != null) ? new MqttQos2Persistence(qos2Store)
                    : new MemoryPersistence();
            this.client = new MqttAsyncClient(this.serverUri, settings.clientId(), persistence);
        }
        catch (MqttException ex) {
            throw new IllegalArgumentException("Cannot create an MQTT client for " + this.serverUri + ": "
                    + ex.getMessage(), ex);
        }
        this.client.setCallback(new Callback());
        this.scheduler = settings.schedulerFactory().get();
        String workThread = "mqtt-" + settings.name() + "-work";
        this.workExecutor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, workThread);
            thread.setDaemon(true);
            return thread;
        });
        this.window = new MqttPublishWindow(this.client, settings, this.workExecutor, this::isConnected,
                this::notConnected);
        this.loop = new MqttReconnectLoop(settings, this.client, this.scheduler, this.workExecutor, this.window,
                new LoopHooks());
    }

    public MqttConnectionSettings settings() {
        return this.settings;
    }

    public MqttConnectionState state() {
        return this.loop.state();
    }

    /** Connected and subscriptions restored: publishes are accepted. */
    public boolean isConnected() {
        return this.loop.state() == MqttConnectionState.CONNECTED;
    }

    /** When the current connection was established; null while not connected. For health details. */
    public @Nullable Instant connectedSince() {
        return isConnected() ? this.loop.connectedSince() : null;
    }

    /**
     * One line describing the last failed connect or lost connection (reason code and cause, never
     * credentials), or null if there was none. For health details and troubleshooting.
     */
    public @Nullable String lastFailure() {
        return this.loop.lastFailure();
    }

    /** The session-present flag of the last accepted CONNACK. */
    public boolean isSessionPresent() {
        return this.loop.isSessionPresent();
    }

    /** Publishes awaiting their acknowledgement plus those waiting for a window slot. */
    public int pendingCount() {
        return this.window.inflightCount() + this.window.waitingCount();
    }

    /** Publishes sent and awaiting their acknowledgement; never more than {@code maxInflight}. */
    public int inflightCount() {
        return this.window.inflightCount();
    }

    /** Publishes accepted and waiting for a free slot in the in-flight window. */
    public int waitingCount() {
        return this.window.waitingCount();
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
        this.loop.start();
    }

    @Override
    public boolean isRunning() {
        MqttConnectionState s = this.loop.state();
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
        this.loop.reconnect();
    }

    /** The topic of the last publish that passed validation. */
    private volatile @Nullable String lastValidTopic;

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
        checkQos(qos);
        if (!topic.equals(this.lastValidTopic)) {
            // Platforms publish to one or a few topics: validate each new one, not every message.
            MqttTopic.validate(topic, false);
            this.lastValidTopic = topic;
        }
        return this.window.publish(topic, payload, qos, retain);
    }

    private static void checkQos(int qos) {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("MQTT QoS must be 0, 1 or 2 but was " + qos);
        }
    }

    /**
     * Subscribes now (when connected) and after every future connect.
     * @return completes with the granted QoS once the broker answered (or at once with -1 when not connected;
     * the subscription is then sent on the next connect); a refusal (SUBACK 0x80) completes with 128
     */
    public CompletableFuture<Integer> subscribe(String topicFilter, int qos, MqttMessageListener listener) {
        Objects.requireNonNull(listener, "listener");
        MqttTopic.validate(topicFilter, true);
        checkQos(qos);
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

    /**
     * Forgets a subscription and unsubscribes when connected. Also for a filter this connection never subscribed
     * to: a persistent session may hold it from an earlier run.
     * @return completes once the broker answered (UNSUBACK), or at once when not connected; fails when the
     * UNSUBSCRIBE could not be sent or was not answered
     */
    public CompletableFuture<Void> unsubscribe(String topicFilter) {
        synchronized (this.subscriptions) {
            this.subscriptions.remove(topicFilter);
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        if (!isConnected()) {
            result.complete(null);
            return result;
        }
        try {
            this.client.unsubscribe(topicFilter, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    result.complete(null);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable ex) {
                    result.completeExceptionally(ex);
                }
            });
        }
        catch (MqttException ex) {
            logger.warn("MQTT {}: unsubscribe from {} failed: {}", this.settings.name(), topicFilter, describe(ex));
            result.completeExceptionally(ex);
        }
        return result;
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
        if (!this.loop.stop()) {
            return true;
        }
        this.window.failWaiting(new MqttConnectionLostException("MQTT connection '" + this.settings.name()
                + "' stopped before the message was sent", null));
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean clean = this.window.awaitInflight(deadline);
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
        clean &= this.window.inflightCount() == 0;
        this.window.failPending(new MqttConnectionLostException("MQTT connection '" + this.settings.name()
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
        this.loop.close();
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
        return "MqttConnection[" + this.settings.name() + ", " + this.serverUri + ", " + this.loop.state() + "]";
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

    private MqttNotConnectedException notConnected() {
        return new MqttNotConnectedException("MQTT connection '" + this.settings.name() + "' to " + this.serverUri
                + " is not connected (state " + this.loop.state() + ")");
    }

    /** Sends the subscriptions again after a connect; the loop marks the connection up afterwards. */
    private void restoreSubscriptions(Runnable done) {
        List<Subscription> subs;
        synchronized (this.subscriptions) {
            subs = new ArrayList<>(this.subscriptions.values());
        }
        if (subs.isEmpty()) {
            done.run();
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
                    done.run();
                }

                @Override
                public void onFailure(IMqttToken token, Throwable ex) {
                    // A lost connection is handled by connectionLost; otherwise carry on without them.
                    if (client.isConnected()) {
                        logger.warn("MQTT {}: restoring {} subscription(s) failed: {}", settings.name(), filters.length,
                                describe(ex));
                        done.run();
                    }
                }
            });
        }
        catch (MqttException ex) {
            logger.warn("MQTT {}: restoring subscriptions failed: {}", this.settings.name(), describe(ex));
            if (this.client.isConnected()) {
                done.run();
            }
        }
    }

    private final class LoopHooks implements MqttReconnectLoop.Hooks {

        @Override
        public void restoreSubscriptions(Runnable done) {
            MqttConnection.this.restoreSubscriptions(done);
        }

        @Override
        public void connected(boolean sessionPresent) {
            for (MqttConnectionListener listener : listeners) {
                try {
                    listener.connected(sessionPresent);
                }
                catch (RuntimeException ex) {
                    logger.warn("MQTT {}: connection listener failed", settings.name(), ex);
                }
            }
        }

        @Override
        public void disconnected(Throwable cause, boolean willRetry) {
            notifyDisconnected(cause, willRetry);
        }
    }

    private final class Callback implements MqttCallback {

        @Override
        public void connectionLost(Throwable cause) {
            MqttConnection.this.loop.connectionLost(cause);
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
}
