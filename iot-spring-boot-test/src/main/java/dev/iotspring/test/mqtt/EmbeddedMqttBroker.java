package dev.iotspring.test.mqtt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import com.hivemq.extension.sdk.api.services.publish.Publish;
import com.hivemq.extension.sdk.api.services.publish.PublishService;
import com.hivemq.extension.sdk.api.services.publish.PublishToClientResult;
import com.hivemq.extension.sdk.api.services.session.ClientService;
import org.jspecify.annotations.Nullable;

import dev.iotspring.test.tls.IssuedCertificate;
import dev.iotspring.test.tls.TestCertificateAuthority;

/**
 * A real MQTT broker in the test's JVM (HiveMQ Community Edition, embedded): MQTT 3.1.1 and 5 over TCP and
 * WebSocket ({@code /mqtt}), optionally TLS and WSS with client-certificate authentication, on random free
 * ports of 127.0.0.1.
 *
 * <p>What tests get on top of a plain broker:
 * <ul>
 * <li>pluggable {@link MqttAuthenticator} and per-client {@link MqttTopicAuthorizer}, changeable at any time;</li>
 * <li>recordings of every CONNECT ({@link #connects()}), SUBSCRIBE ({@link #subscribes()}), UNSUBSCRIBE
 * ({@link #unsubscribes()}) and PUBLISH ({@link #publishes()}) with await helpers;</li>
 * <li>a server side for platform emulators: {@link #addPublishListener publish listeners} and
 * {@link #publishToClient publishes to one client};</li>
 * <li>fault knobs: {@link #withholdAcks()} (or only matching publishes) / {@link #releaseAcks()},
 * {@link #disconnectClient(String)},
 * {@link #refuseConnects(boolean)} / {@link #refuseConnectsFor(Duration)}, and {@link #stop()} then
 * {@link #start()} on the same ports to simulate an outage.</li>
 * </ul>
 *
 * Configuration and data live in temporary folders deleted by {@link #close()}; HiveMQ's own logging is
 * lowered to warnings. Starting takes a few seconds: share one broker per test class (or
 * {@link #shared() per JVM}) and give tests that stop the broker their own.
 *
 * <p>Its length is one job, the façade a test holds: every method is a thin control over
 * {@code RecordingExtension} (the HiveMQ plumbing) and {@code BrokerState} (what they share).
 */
public final class EmbeddedMqttBroker implements AutoCloseable {

    /** HiveMQ keeps its services in static fields: one broker changes state at a time in a JVM. */
    private static final Object STATE_CHANGE = new Object();

    private static volatile @Nullable EmbeddedMqttBroker shared;

    private static final String HOST = "127.0.0.1";

    /** WebSocket subprotocols: "mqtt" (3.1.1 and 5) and "mqttv3.1" (Paho v3 offers both). */
    private static final String SUBPROTOCOLS = "<subprotocols><subprotocol>mqttv3.1</subprotocol>"
            + "<subprotocol>mqtt</subprotocol></subprotocols>";

    private final Builder settings;

    private final Path root;

    private final int tcpPort;

    private final int wsPort;

    private final int tlsPort;

    private final int wssPort;

    final BrokerState state = new BrokerState();

    private @Nullable EmbeddedHiveMQ hivemq;

    private volatile boolean running;

    private EmbeddedMqttBroker(Builder settings) {
        this.settings = settings;
        try {
            this.root = Files.createTempDirectory("iot-mqtt-broker-");
            Files.createDirectories(this.root.resolve("conf"));
            Files.createDirectories(this.root.resolve("data"));
            Files.createDirectories(this.root.resolve("extensions"));
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot create the broker's temporary folders", ex);
        }
        this.tcpPort = freePort();
        this.wsPort = settings.webSocket ? freePort() : -1;
        this.tlsPort = (settings.serverCertificate != null) ? freePort() : -1;
        this.wssPort = (settings.serverCertificate != null && settings.webSocket) ? freePort() : -1;
        this.state.authenticator = settings.authenticator;
        this.state.authorizer = settings.authorizer;
        writeConfiguration();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A started broker with default settings (TCP and WebSocket, no TLS, everyone allowed). */
    public static EmbeddedMqttBroker startDefault() {
        return builder().start();
    }

    /**
     * One broker for the whole JVM, started on first use: TCP, WebSocket, and TLS + WSS with a server
     * certificate for {@code localhost} (only: {@code 127.0.0.1} is a host name mismatch) issued by
     * {@link #certificateAuthority()}, which also signs accepted client certificates (optional). Its folders
     * are removed when the JVM exits. Tests that use it must not stop it and should {@link #reset()} it before
     * each test (the JUnit extension does).
     */
    public static EmbeddedMqttBroker shared() {
        EmbeddedMqttBroker broker = shared;
        if (broker == null) {
            synchronized (EmbeddedMqttBroker.class) {
                broker = shared;
                if (broker == null) {
                    TestCertificateAuthority ca = TestCertificateAuthority.create("iot-spring-boot shared test CA");
                    broker = builder().tls(ca).clientCertificates(ca, ClientAuthentication.OPTIONAL).start();
                    Path folder = broker.root;
                    // No orderly broker stop at exit: it takes seconds and the process is ending anyway.
                    Runtime.getRuntime()
                        .addShutdownHook(new Thread(() -> deleteRecursively(folder), "iot-mqtt-broker-cleanup"));
                    shared = broker;
                }
            }
        }
        return broker;
    }

    // ------------------------------------------------------------------------------------------- lifecycle

    /**
     * Starts the broker (again, after {@link #stop()}) on its ports; blocks until it accepts connections.
     * @return this broker
     */
    public synchronized EmbeddedMqttBroker start() {
        if (this.running) {
            return this;
        }
        synchronized (STATE_CHANGE) {
            BrokerLogging.quieten();
            shortenShutdownGracePeriod();
            allowDollarTopics(this.settings.allowDollarTopics);
            EmbeddedExtension extension = EmbeddedExtension.builder()
                .withId("iot-spring-boot-test-broker")
                .withName("iot-spring-boot test broker")
                .withVersion("1")
                .withPriority(1000)
                .withStartPriority(1000)
                .withExtensionMain(new RecordingExtension(this.state))
                .build();
            EmbeddedHiveMQ instance = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(this.root.resolve("conf"))
                .withDataFolder(this.root.resolve("data"))
                .withExtensionsFolder(this.root.resolve("extensions"))
                .withEmbeddedExtension(extension)
                .withoutLoggingBootstrap()
                .build();
            try {
                instance.start().get(60, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while starting the embedded MQTT broker", ex);
            }
            catch (ExecutionException | TimeoutException ex) {
                closeQuietly(instance);
                throw new IllegalStateException("Embedded MQTT broker did not start on port " + this.tcpPort, ex);
            }
            this.hivemq = instance;
            this.running = true;
        }
        return this;
    }

    /**
     * Stops the broker: every client is disconnected and the ports close. {@link #start()} brings it back on
     * the same ports. Acknowledgements withheld by {@link #withholdAcks()} are dropped (the clients never get
     * them).
     */
    public synchronized void stop() {
        if (!this.running) {
            return;
        }
        synchronized (STATE_CHANGE) {
            this.running = false;
            this.state.clientService = null;
            this.state.publishService = null;
            EmbeddedHiveMQ instance = this.hivemq;
            this.hivemq = null;
            if (instance != null) {
                closeQuietly(instance);
            }
            this.state.dropHeldAcks();
        }
    }

    /** Stops the broker and deletes its folders. */
    @Override
    public synchronized void close() {
        stop();
        deleteRecursively(this.root);
    }

    public boolean isRunning() {
        return this.running;
    }

    /** The CA that issued the server certificate when built with {@code tls(ca)}, else null. */
    public @Nullable TestCertificateAuthority certificateAuthority() {
        return this.settings.certificateAuthority;
    }

    /**
     * The PEM file of {@link #certificateAuthority()}, for a Spring Boot SSL bundle such as
     * {@code spring.ssl.bundle.pem.mqtt.truststore.certificate=file:<path>}; null without it.
     */
    public @Nullable Path certificateAuthorityPem() {
        TestCertificateAuthority ca = this.settings.certificateAuthority;
        return (ca != null) ? ca.writeCertificatePem(this.root.resolve("conf").resolve("ca.crt")) : null;
    }

    // ------------------------------------------------------------------------------------------- addresses

    public String host() {
        return HOST;
    }

    public int tcpPort() {
        return this.tcpPort;
    }

    /** WebSocket port, or -1 without WebSocket. */
    public int webSocketPort() {
        return this.wsPort;
    }

    /** TLS (mqtts) port, or -1 without TLS. */
    public int tlsPort() {
        return this.tlsPort;
    }

    /** Secure WebSocket (wss) port, or -1 without TLS or WebSocket. */
    public int secureWebSocketPort() {
        return this.wssPort;
    }

    /** {@code mqtt://127.0.0.1:<port>}. */
    public String tcpUrl() {
        return "mqtt://" + HOST + ":" + this.tcpPort;
    }

    /** {@code ws://127.0.0.1:<port>/mqtt}. */
    public String webSocketUrl() {
        requirePort(this.wsPort, "WebSocket");
        return "ws://" + HOST + ":" + this.wsPort + "/mqtt";
    }

    /** {@code mqtts://localhost:<port>} (host name matching the usual test server certificate). */
    public String tlsUrl() {
        requirePort(this.tlsPort, "TLS");
        return "mqtts://localhost:" + this.tlsPort;
    }

    /** {@code wss://localhost:<port>/mqtt}. */
    public String secureWebSocketUrl() {
        requirePort(this.wssPort, "secure WebSocket");
        return "wss://localhost:" + this.wssPort + "/mqtt";
    }

    // ------------------------------------------------------------------------------------ security settings

    /** Replaces the authenticator; applies to the next CONNECT. */
    public EmbeddedMqttBroker authenticator(MqttAuthenticator authenticator) {
        this.state.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        return this;
    }

    /** Replaces the topic authorizer; applies to the next PUBLISH or SUBSCRIBE. */
    public EmbeddedMqttBroker topicAuthorizer(MqttTopicAuthorizer authorizer) {
        this.state.authorizer = Objects.requireNonNull(authorizer, "authorizer");
        return this;
    }

    // --------------------------------------------------------------------------------------------- faults

    /**
     * From now on, PUBLISH packets are recorded and processed but their acknowledgement (PUBACK for QoS 1,
     * PUBREC for QoS 2) is held back until {@link #releaseAcks()}. Later publishes are still read and recorded.
     */
    public void withholdAcks() {
        this.state.holdAcks = true;
    }

    /** Acknowledges every held PUBLISH (in arrival order) and stops holding new ones. */
    public void releaseAcks() {
        this.state.holdAcks = false;
        this.state.holdFilter = null;
        this.state.releaseHeldAcks();
    }

    /** Acknowledgements currently held back. */
    public int heldAckCount() {
        return this.state.heldCount();
    }

    /** Waits until at least {@code count} acknowledgements are held back; see {@link #withholdAcks()}. */
    public void awaitHeldAcks(int count, Duration timeout) {
        this.state.await(() -> java.util.Collections.nCopies(this.state.heldCount(), "held"), count, timeout,
                "held acknowledgement");
    }

    /**
     * Holds back the acknowledgement (PUBACK/PUBREC) of every later QoS 1/2 PUBLISH that matches, until
     * {@link #releaseAcks()}; {@code null} stops selecting. MQTT acknowledges in PUBLISH order, so a client's
     * later acknowledgements wait behind a held one (they are not counted as held); other clients are not
     * affected. The broker still reads, records and handles the later publishes.
     */
    public void withholdAcks(@Nullable Predicate<RecordedPublish> filter) {
        this.state.holdFilter = filter;
    }

    /** Refuses (true) or accepts again (false) every CONNECT, with server-unavailable. */
    public void refuseConnects(boolean refuse) {
        this.state.refuseUntil = refuse ? Instant.MAX : Instant.MIN;
    }

    /** Refuses every CONNECT with server-unavailable for the given time from now. */
    public void refuseConnectsFor(Duration duration) {
        this.state.refuseUntil = Instant.now().plus(duration);
    }

    /**
     * Closes a client's network connection from the broker side (without a will-preventing DISCONNECT), as a
     * network failure would.
     * @return true if the client was connected
     */
    public boolean disconnectClient(String clientId) {
        ClientService service = this.state.clientService;
        if (service == null || !this.running) {
            return false;
        }
        try {
            return service.disconnectClient(clientId).get(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
        catch (ExecutionException | TimeoutException ex) {
            throw new IllegalStateException("Could not disconnect client " + clientId, ex);
        }
    }

    /**
     * Removes a client's session (subscriptions and queued messages) and closes its connection if it is
     * connected, as a platform does after a protocol error: its next CONNECT gets session-present false.
     * @return true if there was a session to remove
     */
    public boolean invalidateSession(String clientId) {
        ClientService service = this.state.clientService;
        if (service == null || !this.running) {
            return false;
        }
        try {
            return service.invalidateSession(clientId).get(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
        catch (ExecutionException ex) {
            // HiveMQ fails the future with NoSuchClientIdException when there is no session.
            return false;
        }
        catch (TimeoutException ex) {
            throw new IllegalStateException("Could not invalidate the session of " + clientId, ex);
        }
    }

    /**
     * Publishes from inside the broker (no client connection), to every matching subscription; sessions of
     * offline clients queue it for QoS 1 and 2 as for any publish. Not recorded in {@link #publishes()}.
     * @return completes when the broker has taken the message over for delivery
     */
    public CompletableFuture<Void> publish(String topic, byte[] payload, int qos) {
        PublishService service = this.state.publishService;
        if (service == null || !this.running) {
            return CompletableFuture.failedFuture(new IllegalStateException("The broker is not running"));
        }
        Publish publish = Builders.publish()
            .topic(topic)
            .qos(Qos.valueOf(qos))
            .retain(false)
            .payload(ByteBuffer.wrap(payload.clone()))
            .build();
        return service.publish(publish);
    }

    /** Whether a client with this id is connected now. */
    public boolean isClientConnected(String clientId) {
        ClientService service = this.state.clientService;
        if (service == null || !this.running) {
            return false;
        }
        try {
            return service.isClientConnected(clientId).get(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
        catch (ExecutionException | TimeoutException ex) {
            return false;
        }
    }

    // ------------------------------------------------------------------------------------- server side

    /**
     * Calls {@code listener} with every PUBLISH a client sends (recorded or not), on the broker's thread, before
     * the broker acknowledges it: the hook for emulating a platform that answers device requests in-process.
     * Listeners stay through {@link #reset()} and restarts; remove them with {@link #removePublishListener}.
     */
    public void addPublishListener(Consumer<RecordedPublish> listener) {
        this.state.publishListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removePublishListener(Consumer<RecordedPublish> listener) {
        this.state.publishListeners.remove(listener);
    }

    /**
     * Sends a PUBLISH from the broker itself to one client, through that client's matching subscription.
     * @return true when queued for the client, false when the client has no matching subscription (or the
     * broker is stopped)
     */
    public boolean publishToClient(String clientId, String topic, byte[] payload, int qos) {
        PublishService service = this.state.publishService;
        if (service == null || !this.running) {
            return false;
        }
        Publish publish = Builders.publish()
            .topic(topic)
            .qos(Qos.valueOf(qos))
            .payload(ByteBuffer.wrap(payload.clone()))
            .build();
        try {
            return service.publishToClient(publish, clientId).get(10, TimeUnit.SECONDS)
                    == PublishToClientResult.SUCCESSFUL;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
        catch (ExecutionException | TimeoutException ex) {
            throw new IllegalStateException("Could not publish to client " + clientId + " on " + topic, ex);
        }
    }

    /** Back to the built settings: authenticator and authorizer restored, faults off, recordings cleared. */
    public void reset() {
        this.state.authenticator = this.settings.authenticator;
        this.state.authorizer = this.settings.authorizer;
        this.state.recordPublishes = true;
        refuseConnects(false);
        releaseAcks();
        clearRecordings();
    }

    // ----------------------------------------------------------------------------------------- recordings

    /** Every CONNECT since start or the last {@link #clearRecordings()}, in arrival order. */
    public List<RecordedConnect> connects() {
        return this.state.connects();
    }

    /** Every SUBSCRIBE received from clients, in arrival order. */
    public List<RecordedSubscribe> subscribes() {
        return this.state.subscribes();
    }

    /** Waits until at least {@code count} recorded SUBSCRIBE packets match; returns the matching ones. */
    public List<RecordedSubscribe> awaitSubscribes(Predicate<RecordedSubscribe> filter, int count, Duration timeout) {
        return this.state.await(() -> this.state.subscribes().stream().filter(filter).toList(), count, timeout,
                "SUBSCRIBE");
    }

    /** Every UNSUBSCRIBE received from clients, in arrival order. */
    public List<RecordedUnsubscribe> unsubscribes() {
        return this.state.unsubscribes();
    }

    /** Waits until at least {@code count} recorded UNSUBSCRIBE packets match; returns the matching ones. */
    public List<RecordedUnsubscribe> awaitUnsubscribes(Predicate<RecordedUnsubscribe> filter, int count,
            Duration timeout) {
        return this.state.await(() -> this.state.unsubscribes().stream().filter(filter).toList(), count, timeout,
                "UNSUBSCRIBE");
    }

    /** Every PUBLISH received from clients, in arrival order. */
    public List<RecordedPublish> publishes() {
        return this.state.publishes();
    }

    /** Every PUBLISH on one topic, in arrival order. */
    public List<RecordedPublish> publishes(String topic) {
        return this.state.publishes().stream().filter(p -> p.topic().equals(topic)).toList();
    }

    public void clearRecordings() {
        this.state.clear();
    }

    /**
     * Whether PUBLISH packets are recorded (default true). Switch off for load tests and benchmarks, where
     * keeping every payload would measure memory rather than the client. CONNECT packets are always recorded.
     */
    public void recordPublishes(boolean record) {
        this.state.recordPublishes = record;
    }

    /**
     * Waits until at least {@code count} PUBLISH packets were recorded.
     * @return all publishes recorded so far
     * @throws AssertionError on timeout, listing what arrived
     */
    public List<RecordedPublish> awaitPublishes(int count, Duration timeout) {
        return awaitPublishes(p -> true, count, timeout);
    }

    /** Waits until at least {@code count} recorded PUBLISH packets match; returns the matching ones. */
    public List<RecordedPublish> awaitPublishes(Predicate<RecordedPublish> filter, int count, Duration timeout) {
        return this.state.await(() -> this.state.publishes().stream().filter(filter).toList(), count, timeout,
                "PUBLISH");
    }

    /** Waits until at least {@code count} CONNECT packets were recorded; returns all of them. */
    public List<RecordedConnect> awaitConnects(int count, Duration timeout) {
        return awaitConnects(c -> true, count, timeout);
    }

    /** Waits until at least {@code count} recorded CONNECT packets match; returns the matching ones. */
    public List<RecordedConnect> awaitConnects(Predicate<RecordedConnect> filter, int count, Duration timeout) {
        return this.state.await(() -> this.state.connects().stream().filter(filter).toList(), count, timeout,
                "CONNECT");
    }

    @Override
    public String toString() {
        return "EmbeddedMqttBroker[tcp=" + this.tcpPort + ", ws=" + this.wsPort + ", tls=" + this.tlsPort + ", wss="
                + this.wssPort + ", running=" + this.running + "]";
    }

    // ------------------------------------------------------------------------------------------- internals

    private void writeConfiguration() {
        StringBuilder xml = new StringBuilder();
        xml.append("<?xml version=\"1.0\"?>\n<hivemq>\n  <listeners>\n");
        xml.append("    <tcp-listener><port>").append(this.tcpPort).append("</port><bind-address>").append(HOST)
            .append("</bind-address><name>tcp</name></tcp-listener>\n");
        if (this.wsPort > 0) {
            xml.append("    <websocket-listener><port>").append(this.wsPort).append("</port><bind-address>")
                .append(HOST)
                .append("</bind-address><name>ws</name><path>/mqtt</path>")
                .append(SUBPROTOCOLS)
                .append("<allow-extensions>true</allow-extensions></websocket-listener>\n");
        }
        if (this.tlsPort > 0) {
            String tls = tlsXml();
            xml.append("    <tls-tcp-listener><port>").append(this.tlsPort).append("</port><bind-address>")
                .append(HOST)
                .append("</bind-address><name>tls</name>")
                .append(tls)
                .append("</tls-tcp-listener>\n");
            if (this.wssPort > 0) {
                xml.append("    <tls-websocket-listener><port>").append(this.wssPort).append("</port><bind-address>")
                    .append(HOST)
                    .append("</bind-address><name>wss</name><path>/mqtt</path>")
                    .append(SUBPROTOCOLS)
                    .append("<allow-extensions>true</allow-extensions>")
                    .append(tls)
                    .append("</tls-websocket-listener>\n");
            }
        }
        xml.append("  </listeners>\n");
        // Sessions survive a stop/start in file mode (session-present tests); in-memory starts faster.
        xml.append("  <persistence><mode>").append(this.settings.persistentSessions ? "file" : "in-memory")
            .append("</mode></persistence>\n");
        // Never phone home from a test run.
        xml.append("  <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>\n");
        xml.append("</hivemq>\n");
        try {
            Files.writeString(this.root.resolve("conf").resolve("config.xml"), xml.toString());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private String tlsXml() {
        IssuedCertificate server = Objects.requireNonNull(this.settings.serverCertificate);
        char[] password = "changeit".toCharArray();
        Path keyStore = server.writeKeyStore(this.root.resolve("conf").resolve("server.p12"), password);
        StringBuilder tls = new StringBuilder("<tls><keystore><path>").append(keyStore.toAbsolutePath())
            .append("</path><password>changeit</password><private-key-password>changeit</private-key-password>")
            .append("</keystore>");
        if (this.settings.clientCertificateAuthority != null) {
            Path trustStore = this.settings.clientCertificateAuthority
                .writeTrustStore(this.root.resolve("conf").resolve("client-ca.p12"), password);
            tls.append("<truststore><path>").append(trustStore.toAbsolutePath())
                .append("</path><password>changeit</password></truststore>");
        }
        tls.append("<client-authentication-mode>").append(this.settings.clientAuthentication.name())
            .append("</client-authentication-mode></tls>");
        return tls.toString();
    }

    /**
     * HiveMQ gives its persistence writer threads 2 s to finish on every stop, although they have no work in a
     * test; 200 ms halves the time of {@link #stop()} and {@link #close()}. The setting is HiveMQ-internal
     * (JVM-wide, read at each start), so it is set reflectively and skipped if a HiveMQ version lacks it.
     */
    private static void shortenShutdownGracePeriod() {
        try {
            Class<?> internal = Class.forName("com.hivemq.configuration.service.InternalConfigurations");
            Object grace = internal.getField("PERSISTENCE_SHUTDOWN_GRACE_PERIOD_MSEC").get(null);
            if (grace instanceof java.util.concurrent.atomic.AtomicInteger value) {
                value.set(200);
            }
        }
        catch (ReflectiveOperationException | LinkageError ex) {
            // Another HiveMQ version: stopping just takes longer.
        }
    }

    /**
     * HiveMQ disconnects a client that publishes to a topic starting with {@code $} unless an internal, JVM-wide
     * flag is set; it is read when a broker starts, so each start sets it to that broker's setting.
     */
    private static void allowDollarTopics(boolean allow) {
        try {
            Class<?> internal = Class.forName("com.hivemq.configuration.service.InternalConfigurations");
            Object flag = internal.getField("MQTT_ALLOW_DOLLAR_TOPICS").get(null);
            if (flag instanceof java.util.concurrent.atomic.AtomicBoolean value) {
                value.set(allow);
                return;
            }
        }
        catch (ReflectiveOperationException | LinkageError ex) {
            // handled below
        }
        if (allow) {
            throw new IllegalStateException("This HiveMQ version has no MQTT_ALLOW_DOLLAR_TOPICS switch");
        }
    }

    private static void requirePort(int port, String what) {
        if (port <= 0) {
            throw new IllegalStateException("This broker has no " + what + " listener; enable it on the builder");
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(HOST, 0));
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("No free port on " + HOST, ex);
        }
    }

    private static void closeQuietly(EmbeddedHiveMQ instance) {
        try {
            instance.stop().get(60, TimeUnit.SECONDS);
            instance.close();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        catch (ExecutionException | TimeoutException ex) {
            // Stopping a broker that failed to start; nothing left to release.
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, @Nullable IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        catch (IOException ex) {
            // Temp folder; the OS cleans it eventually.
        }
    }

    static byte @Nullable [] bytes(@Nullable ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        ByteBuffer copy = buffer.asReadOnlyBuffer();
        copy.rewind();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    /** TLS client authentication modes of the TLS listeners. */
    public enum ClientAuthentication {

        /** No client certificate asked for. */
        NONE,

        /** Asked for, not required. */
        OPTIONAL,

        /** Connections without a certificate signed by the client CA fail the TLS handshake. */
        REQUIRED
    }

    /** Settings of an {@link EmbeddedMqttBroker}. */
    public static final class Builder {

        private boolean webSocket = true;

        private @Nullable IssuedCertificate serverCertificate;

        private @Nullable TestCertificateAuthority certificateAuthority;

        private @Nullable TestCertificateAuthority clientCertificateAuthority;

        private ClientAuthentication clientAuthentication = ClientAuthentication.NONE;

        private boolean persistentSessions;

        private boolean allowDollarTopics;

        private MqttAuthenticator authenticator = MqttAuthenticator.allowAll();

        private MqttTopicAuthorizer authorizer = MqttTopicAuthorizer.allowAll();

        private Builder() {
        }

        /** Whether to open a WebSocket listener at {@code /mqtt} (default true). */
        public Builder webSocket(boolean enabled) {
            this.webSocket = enabled;
            return this;
        }

        /**
         * Opens TLS listeners (mqtts and, with WebSocket, wss) with this server certificate, e.g.
         * {@code ca.issueLocalhostServer()}.
         */
        public Builder tls(IssuedCertificate serverCertificate) {
            this.serverCertificate = Objects.requireNonNull(serverCertificate, "serverCertificate");
            return this;
        }

        /**
         * Opens TLS listeners with a server certificate for {@code localhost} issued by {@code ca}; clients
         * trust {@code ca.trustStore()} and connect to {@link EmbeddedMqttBroker#tlsUrl()}.
         */
        public Builder tls(TestCertificateAuthority ca) {
            this.certificateAuthority = Objects.requireNonNull(ca, "ca");
            return tls(ca.issueServer("localhost", "localhost"));
        }

        /** Asks TLS clients for a certificate signed by {@code clientCa}. */
        public Builder clientCertificates(TestCertificateAuthority clientCa, ClientAuthentication mode) {
            this.clientCertificateAuthority = Objects.requireNonNull(clientCa, "clientCa");
            this.clientAuthentication = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Keeps sessions (subscriptions, queued messages) on disk so they survive {@link #stop()} and
         * {@link #start()}; default false (in memory, faster start).
         */
        public Builder persistentSessions(boolean persistent) {
            this.persistentSessions = persistent;
            return this;
        }

        /**
         * Lets clients publish to topics starting with {@code $} (default false: HiveMQ disconnects them), as
         * brokers that emulate Azure IoT Hub's {@code $iothub/...} topics need.
         */
        public Builder allowDollarTopics(boolean allow) {
            this.allowDollarTopics = allow;
            return this;
        }

        public Builder authenticator(MqttAuthenticator authenticator) {
            this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
            return this;
        }

        public Builder topicAuthorizer(MqttTopicAuthorizer authorizer) {
            this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
            return this;
        }

        /** A broker with these settings, not started. */
        public EmbeddedMqttBroker build() {
            if (this.clientAuthentication != ClientAuthentication.NONE && this.serverCertificate == null) {
                throw new IllegalStateException("client certificates need TLS: call tls(serverCertificate) too");
            }
            return new EmbeddedMqttBroker(this);
        }

        /** A started broker with these settings. */
        public EmbeddedMqttBroker start() {
            return build().start();
        }
    }
}
