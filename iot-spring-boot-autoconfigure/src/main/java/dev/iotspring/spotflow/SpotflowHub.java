package dev.iotspring.spotflow;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Supplier;

import org.eclipse.paho.client.mqttv3.MqttException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.iotspring.core.delivery.MessageSender;
import dev.iotspring.core.lifecycle.IotLifecyclePhases;
import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttConnectionListener;
import dev.iotspring.core.mqtt.MqttConnectionLostException;
import dev.iotspring.core.mqtt.MqttConnectionSettings;
import dev.iotspring.core.mqtt.MqttCredentials;
import dev.iotspring.core.mqtt.MqttCredentialsException;
import dev.iotspring.core.mqtt.MqttInboundMessage;
import dev.iotspring.core.mqtt.MqttNotConnectedException;
import dev.iotspring.core.mqtt.MqttProtocolVersion;
import dev.iotspring.core.queue.OutboundMessage;

/**
 * The IoT-Hub side of the device: one MQTT 3.1.1 connection (client id {@code <workspace>:<device>}, the hub's
 * username, the SAS as password, clean session off, one publish in flight for all traffic), made once the
 * {@link SpotflowProvisioner} has credentials and made anew when the hub or device changes.
 *
 * <p>After every connect it fetches the whole twin; only when that answer is in do {@link #streamSender()} and
 * the reported-properties sender report ready, so no stream message goes out before it. Twin requests are
 * matched to their answers by {@code $rid}. A CONNACK refusing the SAS (3, 4, 5) asks the provisioner to register
 * again; the new SAS is used by the next connect. One class because all of it follows one connection's life:
 * its connect, the twin gate it opens and the requests it fails when it is lost.
 */
public final class SpotflowHub implements SmartLifecycle, AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(SpotflowHub.class);

    static final String API_VERSION = "api-version=2018-06-30";

    private static final Duration TWIN_RETRY = Duration.ofSeconds(5);

    /** A twin request without an answer this long is given up (and asked again, for the whole twin). */
    static final Duration TWIN_TIMEOUT = Duration.ofSeconds(30);

    /** Pause before asking again for a twin whose request failed while the connection is up. */
    private static final Duration TWIN_REQUEST_RETRY = Duration.ofMillis(500);

    /** The twin's answer to a request: status and body. */
    record TwinResponse(int status, byte[] body) {
    }

    private final SpotflowProvisioner provisioner;

    private final BiFunction<String, String, MqttConnectionSettings.Builder> settings;

    private final SpotflowTwin device;

    private volatile @Nullable SpotflowFileUpload uploads;

    private final List<MqttConnectionListener> connectionListeners = new CopyOnWriteArrayList<>();

    private final List<Runnable> readyListeners = new CopyOnWriteArrayList<>();

    private final Map<String, CompletableFuture<TwinResponse>> requests = new ConcurrentHashMap<>();

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor((r) -> {
        Thread t = new Thread(r, "spotflow-twin");
        t.setDaemon(true);
        return t;
    });

    private final java.util.concurrent.ExecutorService uploadExecutor = Executors.newSingleThreadExecutor((r) -> {
        Thread t = new Thread(r, "spotflow-file-upload");
        t.setDaemon(true);
        return t;
    });

    private volatile @Nullable MqttConnection connection;

    private volatile SpotflowProvisioner.@Nullable Credentials connectedAs;

    /**
     * The connection the gate is open for: {@link MqttConnection#connectedSince()} of the connect whose twin was
     * answered; null while closed. A later connect has another start, so it never inherits an open gate.
     */
    private volatile @Nullable Instant readyFor;

    /** Orders gate changes: a connect, its twin answer and a loss reported late on another thread. */
    private final Object gate = new Object();

    private volatile boolean running;

    /** Counts connects: a twin answer for an older connection does not open the gate of a newer one. */
    private volatile long session;

    /**
     * @param settings the connection settings for a hub host and client id (endpoint, TLS, keep-alive, back-off);
     * the protocol rules (MQTT 3.1.1, clean session off, window 1, credentials) are set here
     */
    public SpotflowHub(SpotflowProvisioner provisioner,
            BiFunction<String, String, MqttConnectionSettings.Builder> settings, SpotflowTwin device) {
        this.provisioner = Objects.requireNonNull(provisioner, "provisioner");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.device = Objects.requireNonNull(device, "device");
        device.attach(this);
        provisioner.addListener(this::credentialsChanged);
    }

    /** Also told about every connection made here (events, metrics). */
    public void addConnectionListener(MqttConnectionListener listener) {
        this.connectionListeners.add(listener);
        MqttConnection current = this.connection;
        if (current != null) {
            current.addConnectionListener(listener);
        }
    }

    /**
     * Enables IoT Hub file upload for payloads above the inline limit.
     * @param webClient a client without base URL (TLS from the same bundle as the hub connection), built on the
     * first upload
     * @param secure https (IoT Hub) or http (emulators)
     * @param port the hub's HTTPS port
     * @param timeout of the hub's two requests (upload request, notification)
     * @param blobTimeout of the blob upload itself, answer included
     */
    public void fileUpload(Supplier<org.springframework.web.reactive.function.client.WebClient> webClient,
            boolean secure, int port, Duration timeout, Duration blobTimeout,
            tools.jackson.databind.json.JsonMapper json) {
        this.uploads = new SpotflowFileUpload(webClient, secure ? "https" : "http", port, timeout, blobTimeout,
                json);
    }

    /** Called when messages may move (connected and twin fetched): dispatchers wake up. */
    public void addReadyListener(Runnable listener) {
        this.readyListeners.add(listener);
    }

    /** Connected and the twin fetched since. */
    public boolean isReady() {
        MqttConnection c = this.connection;
        Instant since = this.readyFor;
        return c != null && since != null && since.equals(c.connectedSince());
    }

    /** The current connection, null before the first credentials. */
    public @Nullable MqttConnection connection() {
        return this.connection;
    }

    public SpotflowProvisioner provisioner() {
        return this.provisioner;
    }

    /** Publishes stream messages: the queued property bag becomes the topic of the current device. */
    public MessageSender streamSender() {
        return new MessageSender() {
            @Override
            public CompletableFuture<Void> send(OutboundMessage message) {
                MqttConnection c = SpotflowHub.this.connection;
                SpotflowProvisioner.Credentials as = SpotflowHub.this.connectedAs;
                if (c == null || as == null || !SpotflowHub.this.isReady()) {
                    return CompletableFuture.failedFuture(new MqttNotConnectedException("Spotflow is not connected"));
                }
                String topic = SpotflowTopics.streamTopic(as.hubDeviceId(), message.destination());
                if (!message.destination().contains(SpotflowTopics.EXTERNALIZED)) {
                    return c.publish(topic, message.payload(), 1, false);
                }
                SpotflowFileUpload upload = SpotflowHub.this.uploads;
                SpotflowProvisioner.Credentials credentials = SpotflowHub.this.provisioner.credentials();
                if (upload == null || credentials == null) {
                    return CompletableFuture.failedFuture(new IllegalStateException(
                            "Spotflow file upload needs spring-webflux and current credentials"));
                }
                // A failed upload fails this attempt; the dispatcher retries it in its place.
                return CompletableFuture
                    .supplyAsync(() -> upload.upload(as.hubHost(), as.hubDeviceId(), credentials.sas(),
                            message.payload()), SpotflowHub.this.uploadExecutor)
                    .thenCompose((link) -> c.publish(topic, link, 1, false));
            }

            @Override
            public boolean isReady() {
                return SpotflowHub.this.isReady();
            }
        };
    }

    /**
     * Publishes a twin request and completes with its answer (matched by {@code $rid}); fails when the connection
     * goes down first.
     */
    CompletableFuture<TwinResponse> twinRequest(String topicPrefix, byte[] body) {
        MqttConnection c = this.connection;
        if (c == null || !c.isConnected()) {
            return CompletableFuture.failedFuture(new MqttNotConnectedException("Spotflow is not connected"));
        }
        String rid = UUID.randomUUID().toString();
        CompletableFuture<TwinResponse> answer = new CompletableFuture<>();
        this.requests.put(rid, answer);
        c.publish(topicPrefix + rid, body, 1, false).whenComplete((ok, failure) -> {
            if (failure != null) {
                this.requests.remove(rid);
                answer.completeExceptionally(failure);
            }
        });
        // A lost answer must not hold the gate (or the reported queue) for ever.
        this.timer.schedule(() -> {
            if (this.requests.remove(rid, answer)) {
                answer.completeExceptionally(new java.util.concurrent.TimeoutException(
                        "Spotflow twin request not answered within " + TWIN_TIMEOUT.toSeconds() + " s"));
            }
        }, TWIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return answer;
    }

    @Override
    public synchronized void start() {
        if (this.running) {
            return;
        }
        this.running = true;
        // Never waits: the provisioner announces credentials (registered, or an offline start) on its own thread,
        // and this catches up with an announcement made before the hub was running.
        SpotflowProvisioner.Credentials known = this.provisioner.announcedCredentials();
        if (known == null) {
            return;
        }
        MqttConnection c = this.connection;
        if (c != null && isConnectionTo(known)) {
            // Started again after a stop (Spring's test framework pauses cached contexts): the same hub and device.
            c.start();
        }
        else {
            connectTo(known);
        }
    }

    @Override
    public synchronized void stop() {
        this.running = false;
        MqttConnection c = this.connection;
        if (c != null) {
            c.stop(Duration.ofSeconds(1));
        }
        failRequests("stopped");
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public int getPhase() {
        return IotLifecyclePhases.CONNECTION;
    }

    @Override
    public synchronized void close() {
        stop();
        MqttConnection c = this.connection;
        if (c != null) {
            c.close();
        }
        this.timer.shutdownNow();
        this.uploadExecutor.shutdownNow();
    }

    // ------------------------------------------------------------------------------------------ internals

    private synchronized void credentialsChanged(SpotflowProvisioner.Credentials fresh, boolean reconnectNow) {
        if (!this.running) {
            return;
        }
        if (this.connection == null || !isConnectionTo(fresh)) {
            connectTo(fresh);
        }
        else if (reconnectNow) {
            this.connection.reconnect();
        }
    }

    private boolean isConnectionTo(SpotflowProvisioner.Credentials target) {
        SpotflowProvisioner.Credentials as = this.connectedAs;
        return as != null && as.hubHost().equals(target.hubHost()) && as.hubDeviceId().equals(target.hubDeviceId());
    }

    /** Holds this monitor. */
    private void connectTo(SpotflowProvisioner.Credentials target) {
        MqttConnection old = this.connection;
        if (old != null) {
            logger.info("Spotflow: the hub or device changed; connecting as {} to {}", target.hubDeviceId(),
                    target.hubHost());
            old.close();
        }
        String username = target.hubHost() + "/" + target.hubDeviceId() + "/?" + API_VERSION;
        MqttConnectionSettings built = this.settings.apply(target.hubHost(), target.hubDeviceId())
            .protocolVersion(MqttProtocolVersion.V3_1_1)
            .cleanSession(false)
            .maxInflight(1)
            .credentials(() -> {
                SpotflowProvisioner.Credentials now = this.provisioner.credentials();
                if (now == null) {
                    throw new MqttCredentialsException("no Spotflow credentials yet", false, null);
                }
                return MqttCredentials.of(username, now.sas());
            })
            .build();
        MqttConnection created = new MqttConnection(built);
        created.addConnectionListener(new MqttConnectionListener() {
            @Override
            public void connected(boolean sessionPresent) {
                onConnected(created);
            }

            @Override
            public void disconnected(Throwable cause, boolean willRetry) {
                onDisconnected(created, cause);
            }
        });
        this.connectionListeners.forEach(created::addConnectionListener);
        String hubDeviceId = target.hubDeviceId();
        created.subscribe(SpotflowTopics.TWIN_RESPONSES, 1, this::twinResponse);
        created.subscribe(SpotflowTopics.DESIRED_PATCHES, 1, this::desiredPatch);
        created.subscribe(SpotflowTopics.cloudToDevice(hubDeviceId), 1, (m) -> logger
            .debug("Spotflow: cloud-to-device message on {} ignored (not supported)", m.topic()));
        created.subscribe(SpotflowTopics.METHODS, 1, this::directMethod);
        this.connectedAs = target;
        this.readyFor = null;
        this.connection = created;
        created.start();
    }

    private void onConnected(MqttConnection source) {
        long current;
        Instant since = source.connectedSince();
        synchronized (this.gate) {
            if (source != this.connection || since == null) {
                return;
            }
            current = ++this.session;
            this.readyFor = null;
        }
        this.device.connected();
        fetchTwin(current, since);
    }

    private void fetchTwin(long forSession, Instant since) {
        if (forSession != this.session || !this.running) {
            return;
        }
        twinRequest(SpotflowTopics.TWIN_GET_PREFIX, new byte[0]).whenComplete((answer, failure) -> {
            if (forSession != this.session) {
                return;
            }
            if (failure != null) {
                MqttConnection c = this.connection;
                // Down: the next connect fetches again. Up: the failure belonged to the previous connection (its
                // loss is reported on another thread and may come after this connect), or the answer was lost.
                if (c != null && c.isConnected()) {
                    logger.debug("Spotflow: twin request failed ({}); asking again", failure.getMessage());
                    this.timer.schedule(() -> fetchTwin(forSession, since), TWIN_REQUEST_RETRY.toMillis(),
                            TimeUnit.MILLISECONDS);
                }
                return;
            }
            if (answer.status() != 200) {
                logger.warn("Spotflow: the twin request was answered with status {}; asking again in {} s",
                        answer.status(), TWIN_RETRY.toSeconds());
                this.timer.schedule(() -> fetchTwin(forSession, since), TWIN_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            this.device.fullTwin(answer.body());
            synchronized (this.gate) {
                if (forSession != this.session) {
                    return;
                }
                this.readyFor = since;
            }
            this.readyListeners.forEach(Runnable::run);
        });
    }

    /** A desired patch left a gap: the whole twin is fetched again (the gate stays open meanwhile). */
    void requestFullTwin() {
        long forSession = this.session;
        twinRequest(SpotflowTopics.TWIN_GET_PREFIX, new byte[0]).whenComplete((answer, failure) -> {
            if (failure == null && answer.status() == 200 && forSession == this.session) {
                this.device.fullTwin(answer.body());
            }
        });
    }

    /**
     * The connection reports a loss (or a refused connect) on the thread that saw it, after its state changed; a
     * busy machine can delay that thread past the next connect. Such a late report finds the connection up again
     * and is ignored: closing the gate then would stop every message on a working connection (no further connect
     * would open it again). Package-private for the test that delivers a report that late.
     */
    void onDisconnected(MqttConnection source, Throwable cause) {
        synchronized (this.gate) {
            if (source != this.connection) {
                return;
            }
            if (source.isConnected()) {
                logger.debug("Spotflow: a connection loss reported after the next connect ({}); ignored",
                        cause.toString());
                return;
            }
            this.readyFor = null;
        }
        failRequests("connection lost");
        if (cause instanceof MqttException mqtt) {
            int code = mqtt.getReasonCode();
            if (code == MqttException.REASON_CODE_NOT_AUTHORIZED || code == MqttException.REASON_CODE_FAILED_AUTHENTICATION
                    || code == MqttException.REASON_CODE_BROKER_UNAVAILABLE) {
                logger.info("Spotflow: the hub refused the connection (CONNACK {}); registering again", code);
                this.provisioner.credentialsRefused();
            }
        }
    }

    private void failRequests(String why) {
        for (String rid : List.copyOf(this.requests.keySet())) {
            CompletableFuture<TwinResponse> pending = this.requests.remove(rid);
            if (pending != null) {
                pending.completeExceptionally(new MqttConnectionLostException("Spotflow twin request: " + why, null));
            }
        }
    }

    /** {@code $iothub/twin/res/<status>/?$rid=<rid>[&...]}. */
    private void twinResponse(MqttInboundMessage message) {
        String[] segments = message.topic().split("/", -1);
        if (segments.length != 5) {
            logger.debug("Spotflow: unexpected twin response topic {}", message.topic());
            return;
        }
        String rid = queryValue(segments[4], "$rid");
        CompletableFuture<TwinResponse> pending = (rid != null) ? this.requests.remove(rid) : null;
        if (pending == null) {
            logger.debug("Spotflow: twin response for an unknown request {}", rid);
            return;
        }
        int status;
        try {
            status = Integer.parseInt(segments[3]);
        }
        catch (NumberFormatException ex) {
            status = 0;
        }
        TwinResponse response = new TwinResponse(status, message.payload());
        // Off Paho's callback thread: completions publish again, and Paho waits for those.
        this.timer.execute(() -> pending.complete(response));
    }

    /** {@code $iothub/twin/PATCH/properties/desired/?$version=N}. */
    private void desiredPatch(MqttInboundMessage message) {
        String[] segments = message.topic().split("/", -1);
        String version = (segments.length == 6) ? queryValue(segments[5], "$version") : null;
        if (version == null) {
            logger.debug("Spotflow: unexpected desired-properties topic {}", message.topic());
            return;
        }
        long v;
        try {
            v = Long.parseLong(version);
        }
        catch (NumberFormatException ex) {
            return;
        }
        byte[] body = message.payload();
        this.timer.execute(() -> this.device.desiredPatch(v, body));
    }

    /** No direct methods are offered: every call is answered 404 as the reference SDK does without a handler. */
    private void directMethod(MqttInboundMessage message) {
        String topic = message.topic();
        String rid = queryValue(topic.substring(topic.lastIndexOf('/') + 1), "$rid");
        MqttConnection c = this.connection;
        if (rid != null && c != null) {
            c.publish("$iothub/methods/res/404/?$rid=" + rid,
                    "{\"detail\":\"No handler found\"}".getBytes(StandardCharsets.UTF_8), 1, false);
        }
    }

    /** The value of {@code key} in a {@code ?a=b&c=d} segment, or null. */
    static @Nullable String queryValue(String segment, String key) {
        String query = segment.startsWith("?") ? segment.substring(1) : segment;
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(key)) {
                return pair.substring(eq + 1);
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "SpotflowHub[" + this.connectedAs + ", ready=" + isReady() + "]";
    }
}
