package dev.iotspring.astarte;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.TrustManagerFactory;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.mqtt.MqttNotConnectedException;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueueOrder;
import dev.iotspring.core.store.DeferredStore;
import dev.iotspring.core.store.IotStore;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.test.astarte.AstarteEmulator;
import dev.iotspring.test.astarte.DeviceMessage;
import dev.iotspring.test.astarte.RecordedPairingRequest;
import dev.iotspring.test.astarte.DeviceMessage.Kind;
import dev.iotspring.test.mqtt.RecordedConnect;
import dev.iotspring.test.mqtt.RecordedSubscribe;
import dev.iotspring.test.tls.TestCertificateAuthority;

import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * {@link AstarteDeviceClient} against the Astarte emulator over real mutual TLS and HTTP (spec §16.3 checks 3-10).
 */
class AstarteDeviceClientTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final String SENSORS = "org.example.Sensors";

    private static final String SETTINGS = "org.example.Settings";

    private static final String CONFIG = "org.example.Config";

    private static final String VERSION = "/firmware/version";

    private static final String WIFI = "/wifi/enabled";

    private static AstarteEmulator astarte;

    private static AstarteInterfaces interfaces;

    @TempDir
    Path directory;

    private IotStores stores;

    private final String deviceId = AstarteDeviceIds.random();

    private final List<AstarteDeviceClient> clients = new ArrayList<>();

    @BeforeAll
    static void startEmulator() throws IOException {
        astarte = AstarteEmulator.builder().realm("test").start();
        PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver();
        astarte.installInterfaces("classpath*:astarte/interfaces/*.json");
        interfaces = AstarteInterfaces.load(resolver, List.of("classpath*:astarte/interfaces/*.json"),
                JsonMapper.builder().build());
    }

    @AfterAll
    static void stopEmulator() {
        astarte.close();
    }

    @BeforeEach
    void openStores() {
        astarte.certificateValidity(Duration.ofDays(1));
        this.stores = new IotStores(this.directory, SynchronousMode.FULL, Duration.ofSeconds(5));
    }

    @AfterEach
    void close() {
        this.clients.forEach(AstarteDeviceClient::close);
        this.stores.close();
    }

    private AstarteDeviceClient client() {
        return client(Clock.systemUTC());
    }

    private AstarteDeviceClient client(Clock clock) {
        return client(clock, interfaces);
    }

    private AstarteDeviceClient client(OutboundQueue durableQueue) {
        return client(Clock.systemUTC(), interfaces, durableQueue);
    }

    private AstarteDeviceClient client(Clock clock, AstarteInterfaces interfaces) {
        return client(clock, interfaces, null);
    }

    /** @param durableQueue the queue of properties and stored datastreams, or null for the store's own */
    private AstarteDeviceClient client(Clock clock, AstarteInterfaces interfaces,
            @Nullable OutboundQueue durableQueue) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(astarte.certificateAuthority().trustStore());
            AstarteDeviceSettings settings = AstarteDeviceSettings.builder("test", this.deviceId, interfaces)
                .agentToken(astarte::agentToken)
                .trustManagers(tmf.getTrustManagers())
                .clock(clock)
                // A handshake stalled on a loaded machine is given up and retried well within WAIT.
                .connectTimeout(Duration.ofSeconds(8))
                .build();
            IotStore store = this.stores.open("astarte");
            AstartePairingClient pairing = new AstartePairingClient(
                    WebClient.builder().baseUrl(astarte.pairingUrl()).build(), "test", JsonMapper.builder().build(),
                    WAIT);
            AstarteDeviceClient client = new AstarteDeviceClient(settings, pairing, store,
                    (durableQueue != null) ? durableQueue : store.outboundQueue("outbox-" + this.clients.size()),
                    InMemoryQueue.fifo(), b -> b, null);
            this.clients.add(client);
            return client;
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void pairsOnceAStoreStillOpeningAtStartIsOpen() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(astarte.certificateAuthority().trustStore());
        AstarteDeviceSettings settings = AstarteDeviceSettings.builder("test", this.deviceId, interfaces)
            .agentToken(astarte::agentToken)
            .trustManagers(tmf.getTrustManagers())
            .build();
        AstartePairingClient pairing = new AstartePairingClient(
                WebClient.builder().baseUrl(astarte.pairingUrl()).build(), "test", JsonMapper.builder().build(), WAIT);
        // Opened in the background: the application starts the device before its store is open.
        CompletableFuture<IotStore> opening = new CompletableFuture<>();
        AstarteDeviceClient client = new AstarteDeviceClient(settings, pairing, DeferredStore.of("astarte", opening),
                InMemoryQueue.fifo(), InMemoryQueue.fifo(), b -> b, null);
        this.clients.add(client);
        client.start();
        opening.complete(this.stores.open("astarte"));
        await().atMost(WAIT).until(client::isConnected);
        assertThat(client.isPaired()).isTrue();
    }

    /** A started client whose first handshake (no session yet) has completed. */
    private AstarteDeviceClient connected() {
        AstarteDeviceClient client = client();
        client.start();
        awaitKind(Kind.PRODUCER_PROPERTIES, 1);
        await().atMost(WAIT).until(client::isConnected);
        return client;
    }

    private List<DeviceMessage> awaitKind(Kind kind, int count) {
        return astarte.awaitMessages(this.deviceId, m -> m.kind() == kind, count, WAIT);
    }

    /**
     * The values the device published on {@code Settings/firmware/version}, read once a later stored datastream
     * value was acknowledged: whatever was queued before it has reached the broker by then.
     */
    private List<Object> versionsOnTheWire(AstarteDeviceClient client) throws Exception {
        get(client.send(SENSORS, "/marker/temperature", 1.0));
        return astarte.messages(this.deviceId).stream()
            .filter(m -> m.kind() == Kind.DATA && (SETTINGS + VERSION).equals(m.interfacePath()))
            .map(DeviceMessage::value)
            .toList();
    }

    private static <T> T get(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void cleanConnectPairsAndDoesTheFullHandshakeInOrder() {
        AstarteDeviceClient client = connected();
        DeviceMessage purge = awaitKind(Kind.PRODUCER_PROPERTIES, 1).get(0);
        RecordedConnect connect = astarte.broker().connects().stream()
            .filter(c -> c.clientId().equals("test/" + this.deviceId)).findFirst().orElseThrow();
        assertThat(connect.accepted()).isTrue();
        assertThat(connect.info().cleanSession()).isFalse();
        assertThat(connect.info().keepAliveSeconds()).isEqualTo(30);
        assertThat(connect.info().tls()).isTrue();
        assertThat(connect.info().certificateCommonName()).isEqualTo("test/" + this.deviceId);
        assertThat(client.isPaired()).isTrue();
        assertThat(client.certificateNotAfter()).isAfter(Instant.now());

        List<DeviceMessage> messages = astarte.messages(this.deviceId);
        assertThat(messages).extracting(DeviceMessage::kind)
            .startsWith(Kind.INTROSPECTION, Kind.EMPTY_CACHE, Kind.PRODUCER_PROPERTIES);
        DeviceMessage introspection = messages.get(0);
        assertThat(introspection.qos()).isEqualTo(2);
        assertThat(introspection.introspectionEntries()).containsExactlyInAnyOrder("org.example.Sensors:1:2",
                "org.example.Weather:0:1", "org.example.Settings:2:0", "org.example.Commands:1:0",
                "org.example.Config:1:0");
        assertThat(messages.get(1).payload()).containsExactly(0x31);
        assertThat(messages.get(1).qos()).isEqualTo(2);
        assertThat(purge.qos()).isEqualTo(2);
        assertThat(purge.purgeList().entries()).isEmpty();
        assertThat(purge.purgeList().headerMatches()).isTrue();
        assertThat(messages).allSatisfy(m -> assertThat(m.retain()).isFalse());
        assertThat(astarte.deviceErrors(this.deviceId)).isEmpty();

        // Spec §7: the consumer properties control topic and every server-owned interface, at QoS 2.
        String base = "test/" + this.deviceId;
        List<RecordedSubscribe> subscribes = astarte.broker().subscribes().stream()
            .filter(s -> s.clientId().equals(base))
            .toList();
        assertThat(subscribes.stream().flatMap(s -> s.filters().stream()).distinct()).containsExactlyInAnyOrder(
                base + "/control/consumer/properties", base + "/org.example.Commands/#",
                base + "/org.example.Config/#");
        assertThat(subscribes.stream().flatMap(s -> s.qos().stream())).containsOnly(2);
    }

    @Test
    void datastreamsTravelWithTheirMappingsQosTypeAndTimestamp() throws Exception {
        AstarteDeviceClient client = connected();
        Instant t = Instant.parse("2026-01-02T03:04:05.678Z");
        get(client.send(SENSORS, "/kitchen/temperature", 21.5));
        get(client.send(SENSORS, "/events/timed", 42L, t));
        get(client.send(SENSORS, "/kitchen/samples", List.of(1.0, 2.5)));
        get(client.send(SENSORS, "/kitchen/counter", 7));
        get(client.sendAggregate("org.example.Weather", "/station1", Map.of("temp", 20.0, "hum", 55.5)));
        List<DeviceMessage> data = awaitKind(Kind.DATA, 5);
        assertThat(data).extracting(DeviceMessage::topic).containsExactly(
                "test/" + this.deviceId + "/org.example.Sensors/kitchen/temperature",
                "test/" + this.deviceId + "/org.example.Sensors/events/timed",
                "test/" + this.deviceId + "/org.example.Sensors/kitchen/samples",
                "test/" + this.deviceId + "/org.example.Sensors/kitchen/counter",
                "test/" + this.deviceId + "/org.example.Weather/station1");
        assertThat(data).extracting(DeviceMessage::qos).containsExactly(1, 1, 2, 0, 1);
        assertThat(data).extracting(DeviceMessage::bsonType).containsExactly("DOUBLE", "INT64", "ARRAY", "INT32",
                "DOCUMENT");
        assertThat(data.get(0).value()).isEqualTo(21.5);
        assertThat(data.get(0).timestamp()).isNull();
        assertThat(data.get(1).timestamp()).isEqualTo(t);
        assertThat(data.get(4).value()).isEqualTo(Map.of("temp", 20.0, "hum", 55.5));
        assertThat(astarte.deviceErrors(this.deviceId)).isEmpty();
    }

    @Test
    void invalidSendsThrowAndNothingIsSent() {
        AstarteDeviceClient client = connected();
        awaitKind(Kind.PRODUCER_PROPERTIES, 1);
        int before = astarte.messages(this.deviceId).size();
        assertThatThrownBy(() -> client.send(SENSORS, "/kitchen/counter", Integer.MIN_VALUE))
            .isInstanceOf(AstarteValidationException.class);
        assertThatThrownBy(() -> client.send("org.example.Commands", "/1/run", "x"))
            .hasMessageContaining("owned by the server");
        assertThatThrownBy(() -> client.send(SENSORS, "/events/timed", 1L)).hasMessageContaining("timestamp is required");
        assertThatThrownBy(() -> client.unsetProperty(SETTINGS, "/firmware/version"))
            .hasMessageContaining("unset is not allowed");
        assertThat(client.getProperty(SETTINGS, "/firmware/version")).isEmpty();
        assertThat(client.pendingMessages()).isZero();
        assertThat(astarte.messages(this.deviceId)).hasSize(before);
    }

    @Test
    void discardRetentionFailsAtOnceWhenNotConnected() {
        AstarteDeviceClient client = client();
        client.start();
        // Not paired/connected yet, or just connecting: a discard value is never kept.
        if (!client.isConnected()) {
            assertThatThrownBy(() -> get(client.send(SENSORS, "/events/discarded", "x")))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(MqttNotConnectedException.class);
        }
        await().atMost(WAIT).until(client::isConnected);
        astarte.broker().stop();
        try {
            await().atMost(WAIT).until(() -> !client.isConnected());
            assertThatThrownBy(() -> get(client.send(SENSORS, "/events/discarded", "x")))
                .hasCauseInstanceOf(MqttNotConnectedException.class);
        }
        finally {
            astarte.broker().start();
        }
    }

    @Test
    void propertiesAreStoredSentWithQos2AndReplayedOnANewSession() throws Exception {
        AstarteDeviceClient client = connected();
        get(client.setProperty(SETTINGS, "/wifi/enabled", true));
        get(client.setProperty(SETTINGS, "/firmware/version", "1.2.3"));
        List<DeviceMessage> set = awaitKind(Kind.DATA, 2);
        assertThat(set).extracting(DeviceMessage::qos).containsOnly(2);
        assertThat(client.getProperty(SETTINGS, "/wifi/enabled")).contains(true);
        get(client.unsetProperty(SETTINGS, "/wifi/enabled"));
        DeviceMessage unset = awaitKind(Kind.UNSET, 1).get(0);
        assertThat(unset.payload()).isEmpty();
        assertThat(unset.qos()).isEqualTo(2);
        assertThat(client.getProperty(SETTINGS, "/wifi/enabled")).isEmpty();
        assertThat(astarte.deviceProperties(this.deviceId)).containsOnlyKeys("org.example.Settings/firmware/version");

        // Astarte wipes the session: the next connect replays the stored property and lists it for the purge.
        astarte.clearRecordings();
        astarte.wipeSession(this.deviceId);
        DeviceMessage purge = awaitKind(Kind.PRODUCER_PROPERTIES, 1).get(0);
        assertThat(purge.purgeList().entries()).containsExactly("org.example.Settings/firmware/version");
        List<DeviceMessage> replay = astarte.messages(this.deviceId);
        assertThat(replay).extracting(DeviceMessage::kind)
            .containsSubsequence(Kind.INTROSPECTION, Kind.EMPTY_CACHE, Kind.DATA, Kind.PRODUCER_PROPERTIES);
        assertThat(replay).filteredOn(m -> m.kind() == Kind.DATA).extracting(DeviceMessage::interfacePath)
            .containsExactly("org.example.Settings/firmware/version");
    }

    @Test
    void anEqualDeliveredPropertyIsNotSentAgainWhileEveryChangeIs() throws Exception {
        AstarteDeviceClient client = connected();
        get(client.setProperty(SETTINGS, VERSION, "1.0"));
        assertThat(client.setProperty(SETTINGS, VERSION, "1.0")).isCompleted();
        get(client.setProperty(SETTINGS, VERSION, "2.0"));
        get(client.setProperty(SETTINGS, VERSION, "1.0"));
        assertThat(versionsOnTheWire(client)).containsExactly("1.0", "2.0", "1.0");
        assertThat(astarte.deviceProperties(this.deviceId)).containsEntry(SETTINGS + VERSION, "1.0");
    }

    @Test
    void anEqualValueStillAwaitingItsAcknowledgementIsSentAgain() throws Exception {
        AstarteDeviceClient client = connected();
        String topic = "test/" + this.deviceId + "/" + SETTINGS + VERSION;
        astarte.broker().withholdAcks(p -> p.topic().equals(topic));
        CompletableFuture<Void> first;
        CompletableFuture<Void> second;
        try {
            first = client.setProperty(SETTINGS, VERSION, "1.0");
            astarte.broker().awaitHeldAcks(1, WAIT);
            // Queued, not skipped (the broker reads it only once the held acknowledgement is out).
            second = client.setProperty(SETTINGS, VERSION, "1.0");
            assertThat(first).isNotDone();
            assertThat(second).isNotDone();
        }
        finally {
            astarte.broker().releaseAcks();
        }
        get(first);
        get(second);
        // Acknowledged now: the same value again is not sent.
        assertThat(client.setProperty(SETTINGS, VERSION, "1.0")).isCompleted();
        assertThat(versionsOnTheWire(client)).containsExactly("1.0", "1.0");
    }

    @Test
    void afterAnUnsetTheOldValueIsSentAgain() throws Exception {
        AstarteDeviceClient client = connected();
        get(client.setProperty(SETTINGS, WIFI, true));
        get(client.unsetProperty(SETTINGS, WIFI));
        get(client.setProperty(SETTINGS, WIFI, true));
        assertThat(client.setProperty(SETTINGS, WIFI, true)).isCompleted();
        get(client.send(SENSORS, "/marker/temperature", 1.0));
        assertThat(astarte.messages(this.deviceId)).filteredOn(m -> (SETTINGS + WIFI).equals(m.interfacePath()))
            .extracting(DeviceMessage::kind)
            .containsExactly(Kind.DATA, Kind.UNSET, Kind.DATA);
        assertThat(astarte.deviceProperties(this.deviceId)).containsEntry(SETTINGS + WIFI, true);
    }

    @Test
    void aNewSessionCountsAPropertyDeliveredOnlyOnceItsReplayIsAcknowledged() throws Exception {
        AstarteDeviceClient client = connected();
        get(client.setProperty(SETTINGS, VERSION, "1.0"));
        String topic = "test/" + this.deviceId + "/" + SETTINGS + VERSION;
        astarte.clearRecordings();
        astarte.broker().withholdAcks(p -> p.topic().equals(topic));
        CompletableFuture<Void> duringReplay;
        try {
            // emptyCache made Astarte forget the value; its replay is not acknowledged yet.
            astarte.wipeSession(this.deviceId);
            astarte.broker().awaitHeldAcks(1, WAIT);
            duringReplay = client.setProperty(SETTINGS, VERSION, "1.0");
            assertThat(duringReplay).isNotDone();
        }
        finally {
            astarte.broker().releaseAcks();
        }
        get(duringReplay);
        assertThat(client.setProperty(SETTINGS, VERSION, "1.0")).isCompleted();
        assertThat(versionsOnTheWire(client)).containsExactly("1.0", "1.0");
    }

    @Test
    void afterARestartAnEqualValueIsSentOnceThenSkipped() throws Exception {
        AstarteDeviceClient first = connected();
        get(first.setProperty(SETTINGS, VERSION, "1.0"));
        first.stop();
        astarte.clearRecordings();

        // The broker kept the session (no replay): this process does not know the value was delivered.
        AstarteDeviceClient second = client();
        second.start();
        get(second.setProperty(SETTINGS, VERSION, "1.0"));
        assertThat(second.setProperty(SETTINGS, VERSION, "1.0")).isCompleted();
        assertThat(versionsOnTheWire(second)).containsExactly("1.0");
    }

    @Test
    void anAcknowledgedReplayOfANewSessionCountsAsDelivery() throws Exception {
        AstarteDeviceClient first = connected();
        get(first.setProperty(SETTINGS, VERSION, "1.0"));
        first.stop();

        // After a restart only the replay of a new session has sent the value.
        AstarteDeviceClient second = client();
        second.start();
        await().atMost(WAIT).until(second::isConnected);
        astarte.clearRecordings();
        astarte.wipeSession(this.deviceId);
        awaitKind(Kind.PRODUCER_PROPERTIES, 1);
        // Acknowledged after the handshake: the session is ready, the replay was acknowledged.
        get(second.send(SENSORS, "/marker/temperature", 1.0));
        assertThat(second.setProperty(SETTINGS, VERSION, "1.0")).isCompleted();
        assertThat(versionsOnTheWire(second)).containsExactly("1.0");
    }

    @Test
    void aConcurrentSetOfTheSamePropertyWaitsUntilTheFirstIsQueued() throws Exception {
        GatedQueue queue = new GatedQueue();
        AstarteDeviceClient client = client(queue);
        client.start();
        awaitKind(Kind.PRODUCER_PROPERTIES, 1);
        get(client.setProperty(SETTINGS, VERSION, "1.0"));

        // "2.0" is stored and held on its way into the queue while another thread sets "1.0" back.
        queue.holdNextOffer();
        CompletableFuture<CompletableFuture<Void>> setTwo = CompletableFuture
            .supplyAsync(() -> client.setProperty(SETTINGS, VERSION, "2.0"));
        queue.awaitHeld();
        CompletableFuture<CompletableFuture<Void>> setOne = new CompletableFuture<>();
        Thread one = new Thread(() -> setOne.complete(client.setProperty(SETTINGS, VERSION, "1.0")));
        one.start();
        await().atMost(WAIT).until(() -> one.getState() == Thread.State.BLOCKED || setOne.isDone());
        queue.release();
        get(get(setTwo));
        get(get(setOne));

        // Queued in the order stored: Astarte ends with the value the device keeps (and replays), not the other.
        assertThat(versionsOnTheWire(client)).containsExactly("1.0", "2.0", "1.0");
        assertThat(client.getProperty(SETTINGS, VERSION)).contains("1.0");
        assertThat(astarte.deviceProperties(this.deviceId)).containsEntry(SETTINGS + VERSION, "1.0");
    }

    /** A real in-memory queue that can hold one offer until released: a set caught between store and queue. */
    private static final class GatedQueue extends InMemoryQueue {

        private final CountDownLatch held = new CountDownLatch(1);

        private final CountDownLatch released = new CountDownLatch(1);

        private volatile boolean holdNext;

        GatedQueue() {
            super(QueueOrder.FIFO, 0, OverflowStrategy.RAISE_EXCEPTION);
        }

        void holdNextOffer() {
            this.holdNext = true;
        }

        void awaitHeld() throws InterruptedException {
            assertThat(this.held.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }

        void release() {
            this.released.countDown();
        }

        @Override
        public void offer(OutboundMessage message) {
            if (this.holdNext) {
                this.holdNext = false;
                this.held.countDown();
                try {
                    this.released.await();
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            super.offer(message);
        }
    }

    @Test
    void aPresentSessionSkipsTheHandshakeAndAWipedOneRedoesIt() throws Exception {
        AstarteDeviceClient first = connected();
        awaitKind(Kind.PRODUCER_PROPERTIES, 1);
        first.stop();
        astarte.clearRecordings();

        // Restart of the application: same store, the broker kept the session.
        AstarteDeviceClient second = client();
        second.start();
        await().atMost(WAIT).until(second::isConnected);
        get(second.send(SENSORS, "/kitchen/temperature", 1.0));
        assertThat(astarte.messages(this.deviceId)).extracting(DeviceMessage::kind).containsExactly(Kind.DATA);
        assertThat(astarte.pairingRequests("/credentials")).isEmpty();

        astarte.clearRecordings();
        astarte.wipeSession(this.deviceId);
        awaitKind(Kind.PRODUCER_PROPERTIES, 1);
        assertThat(astarte.messages(this.deviceId)).extracting(DeviceMessage::kind)
            .startsWith(Kind.INTROSPECTION, Kind.EMPTY_CACHE, Kind.PRODUCER_PROPERTIES);
        // Server data still arrives: the subscriptions were made again on the new session.
        List<AstarteServerEvent> received = new CopyOnWriteArrayList<>();
        second.addListener(received::add);
        get(astarte.setServerProperty(this.deviceId, CONFIG, "/rate/value", 5L));
        await().atMost(WAIT).until(() -> !received.isEmpty());
    }

    @Test
    void aHandshakeCutOffAfterEmptyCacheIsDoneAgainAfterARestartThoughTheBrokerKeptTheSession() throws Exception {
        AstarteDeviceClient first = deviceWhoseHandshakeWaitsAfterEmptyCache();
        try {
            // The application dies before the handshake completed (its connection goes, nothing comes back on
            // it); the broker keeps the session the handshake's connect made.
            astarte.broker().refuseConnects(true);
            assertThat(astarte.disconnect(this.deviceId)).isTrue();
            first.close();
        }
        finally {
            astarte.broker().refuseConnects(false);
            astarte.broker().releaseAcks();
        }
        // The exchanges the broker keeps open are in the device's store: the restart finishes them before numbering
        // new publishes (reusing one of their packet ids, a publish would be taken for a duplicate and dropped).
        assertThat(this.stores.open("astarte").keyValueStore("mqtt-qos2").list("")).isNotEmpty();
        astarte.clearRecordings();

        AstarteDeviceClient second = client();
        second.start();
        assertFullHandshakeReplayingVersion();
        get(second.send(SENSORS, "/marker/temperature", 1.0));
    }

    @Test
    void aHandshakeCutOffByALostConnectionIsDoneAgainWhenTheReconnectFindsTheSession() throws Exception {
        AstarteDeviceClient client = deviceWhoseHandshakeWaitsAfterEmptyCache();
        try {
            astarte.clearRecordings();
            // The network fails; the broker keeps the session the handshake's connect made.
            assertThat(astarte.disconnect(this.deviceId)).isTrue();
        }
        finally {
            astarte.broker().releaseAcks();
        }
        assertFullHandshakeReplayingVersion();
        get(client.send(SENSORS, "/marker/temperature", 1.0));
    }

    /**
     * A device with a stored property whose session the broker lost: the new session's handshake has sent
     * emptyCache and waits for the acknowledgement of the property's replay, which the broker holds until
     * {@code releaseAcks}.
     */
    private AstarteDeviceClient deviceWhoseHandshakeWaitsAfterEmptyCache() throws Exception {
        AstarteDeviceClient client = connected();
        get(client.setProperty(SETTINGS, VERSION, "1.0"));
        astarte.broker().withholdAcks(p -> p.topic().equals("test/" + this.deviceId + "/" + SETTINGS + VERSION));
        try {
            astarte.wipeSession(this.deviceId);
            astarte.broker().awaitHeldAcks(1, WAIT);
            return client;
        }
        catch (Exception | Error ex) {
            astarte.broker().releaseAcks();
            throw ex;
        }
        finally {
            astarte.broker().withholdAcks(null);
        }
    }

    /**
     * Since the recordings were cleared, the device sent the full handshake again: introspection, emptyCache, its
     * stored property (Settings/firmware/version) and the purge list naming it. Awaited as a whole: the broker
     * records publishes on its own threads, so one the cut-off handshake sent just before its connection went can
     * be recorded after the clearing, ahead of the new handshake.
     */
    private void assertFullHandshakeReplayingVersion() {
        await().atMost(WAIT).untilAsserted(() -> {
            List<DeviceMessage> messages = astarte.messages(this.deviceId);
            List<Kind> kinds = messages.stream().map(DeviceMessage::kind).toList();
            assertThat(kinds).containsSubsequence(Kind.INTROSPECTION, Kind.EMPTY_CACHE, Kind.DATA,
                    Kind.PRODUCER_PROPERTIES);
            List<DeviceMessage> handshake = messages.subList(kinds.lastIndexOf(Kind.EMPTY_CACHE), messages.size());
            assertThat(handshake).filteredOn(m -> m.kind() == Kind.DATA)
                .extracting(DeviceMessage::interfacePath, DeviceMessage::value)
                .containsExactly(tuple(SETTINGS + VERSION, "1.0"));
            assertThat(handshake).filteredOn(m -> m.kind() == Kind.PRODUCER_PROPERTIES)
                .singleElement()
                .satisfies(purge -> assertThat(purge.purgeList().entries()).containsExactly(SETTINGS + VERSION));
        });
    }

    @Test
    void aStoreFromBeforeServerInterfacesWereRecordedUnsubscribesEveryInterfaceGoneFromTheIntrospection()
            throws Exception {
        AstarteDeviceClient first = connected();
        // Sent only once the handshake is complete, and so stored.
        get(first.send(SENSORS, "/kitchen/temperature", 1.0));
        first.stop();
        // As a store written by an older version: the introspection of the last handshake, not its server interfaces.
        assertThat(this.stores.open("astarte").keyValueStore("session").delete("server-interfaces")).isTrue();
        astarte.clearRecordings();
        AstarteInterfaces fewer = AstarteInterfaces.of(interfaces.all().stream()
            .filter(i -> i.name().equals(SENSORS) || i.name().equals(CONFIG))
            .toList());
        AstarteDeviceClient second = client(Clock.systemUTC(), fewer);
        second.start();
        awaitKind(Kind.PRODUCER_PROPERTIES, 1);
        String base = "test/" + this.deviceId;
        assertThat(astarte.broker().unsubscribes().stream().filter(u -> u.clientId().equals(base))
            .flatMap(u -> u.filters().stream())).containsExactlyInAnyOrder(base + "/org.example.Commands/#",
                    base + "/org.example.Settings/#", base + "/org.example.Weather/#");
        assertThat(astarte.broker().publishToClient(base, base + "/org.example.Commands/1/run", new byte[0], 2))
            .isFalse();
    }

    @Test
    void serverDataReachesListenersAndTheFluxAndServerPropertiesAreStoredAndPurged() throws Exception {
        AstarteDeviceClient client = connected();
        List<AstarteServerEvent> received = new CopyOnWriteArrayList<>();
        List<AstarteServerEvent> flux = new CopyOnWriteArrayList<>();
        client.addListener(received::add);
        client.receive().subscribe(flux::add);
        get(astarte.setServerProperty(this.deviceId, CONFIG, "/rate/value", 5L));
        get(astarte.setServerProperty(this.deviceId, CONFIG, "/mode/value", 7L));
        get(astarte.sendDatastream(this.deviceId, "org.example.Commands", "/c1/run", "reboot", null, 2));
        await().atMost(WAIT).until(() -> received.size() == 3 && flux.size() == 3);
        assertThat(received.get(0).interfaceName()).isEqualTo(CONFIG);
        assertThat(received.get(0).path()).isEqualTo("/rate/value");
        assertThat(received.get(0).value()).isEqualTo(5L);
        assertThat(received.get(2).value()).isEqualTo("reboot");
        assertThat(client.getProperty(CONFIG, "/rate/value")).contains(5L);

        get(astarte.unsetServerProperty(this.deviceId, CONFIG, "/rate/value"));
        await().atMost(WAIT).until(() -> received.size() == 4);
        assertThat(received.get(3).isUnset()).isTrue();
        assertThat(received.get(3).value()).isNull();
        assertThat(client.getProperty(CONFIG, "/rate/value")).isEmpty();

        // The consumer purge list no longer names /mode/value: the stored copy goes.
        get(astarte.sendConsumerPurgeList(this.deviceId, Set.of()));
        await().atMost(WAIT).until(() -> client.getProperty(CONFIG, "/mode/value").isEmpty());
    }

    @Test
    void aStoppedDeviceDrainsDisconnectsAndStartsAgain() throws Exception {
        AstarteDeviceClient client = connected();
        client.send(SENSORS, "/k/temperature", 1.0);
        client.stop();
        assertThat(client.isRunning()).isFalse();
        assertThat(client.isConnected()).isFalse();
        assertThat(client.pendingMessages()).isZero();
        assertThat(astarte.awaitMessages(this.deviceId, m -> m.kind() == Kind.DATA, 1, WAIT)).hasSize(1);
        client.start();
        await().atMost(WAIT).until(client::isConnected);
        get(client.send(SENSORS, "/k/temperature", 2.0));
        assertThat(astarte.pairingRequests("/agent/devices").stream()
            .filter(r -> r.body().contains(this.deviceId)).count()).isEqualTo(1);
    }

    @Test
    void anExpiredCertificateIsRenewedWhileRunning() {
        astarte.certificateValidity(Duration.ofSeconds(4));
        AstarteDeviceClient client = connected();
        Instant firstExpiry = client.certificateNotAfter();
        astarte.certificateValidity(Duration.ofDays(1));
        await().atMost(WAIT).until(() -> astarte.certificates(this.deviceId).size() == 2 && client.isConnected()
                && !firstExpiry.equals(client.certificateNotAfter()));
        assertThat(client.certificateNotAfter()).isAfter(Instant.now().plus(Duration.ofHours(23)));
    }

    @Test
    void aRevokedCertificateIsReplacedAtTheNextConnect() {
        AstarteDeviceClient client = connected();
        astarte.revokeCertificates(this.deviceId);
        astarte.disconnect(this.deviceId);
        await().atMost(WAIT).until(() -> astarte.certificates(this.deviceId).size() == 2 && client.isConnected());
        assertThat(astarte.verify(astarte.certificates(this.deviceId).get(1)).valid()).isTrue();
        assertThat(astarte.pairingRequests("/credentials/verify")).isNotEmpty();
    }

    @Test
    void aTlsHandshakeRefusalLeadsToVerifyANewCertificateAndAReconnect() {
        // The device's clock is 30 minutes slow, so it cannot tell that its certificate expired: only the broker's
        // TLS handshake refuses it (spec §16.3 check 10).
        astarte.certificateValidity(Duration.ofMinutes(-10));
        AstarteDeviceClient client = client(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-30)));
        client.start();
        await().atMost(WAIT)
            .until(() -> astarte.isRegistered(this.deviceId) && !astarte.certificates(this.deviceId).isEmpty());
        X509Certificate refused = astarte.certificates(this.deviceId).get(0);
        astarte.certificateValidity(Duration.ofDays(1));
        await().atMost(WAIT).until(() -> client.isConnected() && astarte.certificates(this.deviceId).size() >= 2);
        assertThat(astarte.verify(refused).cause()).isIn("EXPIRED", "REVOKED");
        assertThat(client.lastError()).containsIgnoringCase("SSL");
        List<X509Certificate> issued = astarte.certificates(this.deviceId);
        assertThat(astarte.verify(issued.get(issued.size() - 1)).valid()).isTrue();
        // After the refusal the device asked Astarte about the certificate it had (expired: invalid), and only then
        // requested a new one.
        String refusedPem = TestCertificateAuthority.toPem(refused);
        List<RecordedPairingRequest> requests = astarte.pairingRequests().stream()
            .filter(r -> r.path().contains(this.deviceId + "/protocols/astarte_mqtt_v1/credentials"))
            .toList();
        assertThat(requests.get(0).path()).endsWith("/credentials");
        int verifyOfRefused = -1;
        for (int i = 0; i < requests.size() && verifyOfRefused < 0; i++) {
            RecordedPairingRequest r = requests.get(i);
            if (r.path().endsWith("/verify")
                    && refusedPem.equals(r.json().path("data").path("client_crt").asString())) {
                verifyOfRefused = i;
            }
        }
        assertThat(verifyOfRefused).isPositive();
        assertThat(requests.subList(verifyOfRefused + 1, requests.size()))
            .anyMatch(r -> r.path().endsWith("/credentials") && r.status() == 201);
        awaitKind(Kind.PRODUCER_PROPERTIES, 1);
    }
}
