package dev.iotspring.core.mqtt;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.mqtt.EnableEmbeddedMqttBroker;
import dev.iotspring.test.mqtt.MqttAuthenticator;
import dev.iotspring.test.mqtt.RecordedConnect;
import dev.iotspring.test.mqtt.RecordedPublish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@link MqttConnection} against a real broker over TCP and WebSocket (the JVM's shared broker). */
@EnableEmbeddedMqttBroker
class MqttConnectionTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final RetryBackoff FAST = new RetryBackoff(Duration.ofMillis(50),
            Duration.ofMillis(200), 2.0, 0.0);

    static EmbeddedMqttBroker broker;

    private final List<MqttConnection> connections = new ArrayList<>();

    @BeforeAll
    static void broker(EmbeddedMqttBroker shared) {
        broker = shared;
    }

    @AfterEach
    void closeConnections() {
        broker.releaseAcks();
        this.connections.forEach(MqttConnection::close);
    }

    @Test
    void startDoesNotBlockAndConnects() {
        MqttConnection connection = connection(settings(broker.tcpUrl(), "c-start").build());
        assertThat(connection.state()).isIn(MqttConnectionState.CONNECTING, MqttConnectionState.CONNECTED);
        awaitConnected(connection);
        RecordedConnect connect = broker.awaitConnects(c -> c.clientId().equals("c-start"), 1, TIMEOUT).get(0);
        assertThat(connect.info().protocolVersion()).isEqualTo(4);
        assertThat(connect.info().cleanSession()).isTrue();
        assertThat(connect.info().keepAliveSeconds()).isEqualTo(60);
    }

    @Test
    void publishCompletesOnPubackWithWhatWasSent() throws Exception {
        MqttConnection connection = connected(settings(broker.tcpUrl(), "c-pub").build());
        connection.publish("in/org-1", "{\"a\":1}".getBytes(StandardCharsets.UTF_8), 1, false)
            .get(10, TimeUnit.SECONDS);
        RecordedPublish publish = broker.awaitPublishes(1, TIMEOUT).get(0);
        assertThat(publish.topic()).isEqualTo("in/org-1");
        assertThat(publish.qos()).isEqualTo(1);
        assertThat(publish.retain()).isFalse();
        assertThat(publish.payloadAsString()).isEqualTo("{\"a\":1}");
    }

    @Test
    void qos2CompletesOnPubcomp() throws Exception {
        MqttConnection connection = connected(settings(broker.tcpUrl(), "c-qos2").build());
        connection.publish("realm/dev/iface/path", new byte[] { 1 }, 2, false).get(10, TimeUnit.SECONDS);
        assertThat(broker.awaitPublishes(1, TIMEOUT).get(0).qos()).isEqualTo(2);
    }

    @Test
    void publishFutureWaitsForTheWithheldAcknowledgement() throws Exception {
        MqttConnection connection = connected(settings(broker.tcpUrl(), "c-held").build());
        broker.withholdAcks();
        CompletableFuture<Void> future = connection.publish("held/topic", new byte[] { 7 }, 1, false);
        broker.awaitPublishes(1, TIMEOUT);
        // The broker has the message but has not acknowledged it: the future must still be open.
        broker.awaitHeldAcks(1, TIMEOUT);
        assertThat(future).isNotDone();
        assertThat(connection.pendingCount()).isEqualTo(1);
        broker.releaseAcks();
        future.get(10, TimeUnit.SECONDS);
        assertThat(connection.pendingCount()).isZero();
    }

    @Test
    void qos2FutureWaitsForTheWholeExchange() throws Exception {
        MqttConnection connection = connected(settings(broker.tcpUrl(), "c-held-qos2").build());
        broker.withholdAcks();
        CompletableFuture<Void> future = connection.publish("held/qos2", new byte[] { 8 }, 2, false);
        // PUBREC held: no PUBREL, no PUBCOMP, the future stays open.
        broker.awaitHeldAcks(1, TIMEOUT);
        assertThat(future).isNotDone();
        broker.releaseAcks();
        future.get(10, TimeUnit.SECONDS);
    }

    @Test
    void reconnectRequestedDuringAConnectUsesFreshCredentialsRightAfterIt() throws Exception {
        java.util.concurrent.CountDownLatch firstConnectSeen = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch releaseFirst = new java.util.concurrent.CountDownLatch(1);
        broker.authenticator(c -> {
            if ("token-1".equals(c.username())) {
                firstConnectSeen.countDown();
                try {
                    // Holds the CONNACK: the client's connect is in progress meanwhile.
                    releaseFirst.await(10, TimeUnit.SECONDS);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            return MqttAuthenticator.Decision.accept();
        });
        AtomicInteger version = new AtomicInteger(1);
        MqttConnection connection = connection(settings(broker.tcpUrl(), "c-reconnect-mid")
            .credentials(() -> MqttCredentials.of("token-" + version.get(), (String) null))
            .build());
        assertThat(firstConnectSeen.await(10, TimeUnit.SECONDS)).isTrue();
        version.set(2);
        connection.reconnect();
        releaseFirst.countDown();
        List<RecordedConnect> connects = broker.awaitConnects(c -> c.clientId().equals("c-reconnect-mid"), 2, TIMEOUT);
        assertThat(connects).extracting(c -> c.info().username()).containsExactly("token-1", "token-2");
        awaitConnected(connection);
        connection.publish("after/mid-reconnect", new byte[] { 1 }, 1, false).get(10, TimeUnit.SECONDS);
    }

    @Test
    void fullWindowMakesFurtherPublishesWaitInOrder() throws Exception {
        MqttConnection connection = connected(settings(broker.tcpUrl(), "c-window").maxInflight(2).build());
        broker.withholdAcks();
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            futures.add(connection.publish("window", new byte[] { (byte) i }, 1, false));
        }
        broker.awaitHeldAcks(1, TIMEOUT);
        // Two went out, three wait for a slot: none dropped, none failed.
        assertThat(connection.inflightCount()).isEqualTo(2);
        assertThat(connection.waitingCount()).isEqualTo(3);
        assertThat(futures).allSatisfy(f -> assertThat(f).isNotDone());
        broker.releaseAcks();
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(broker.publishes()).extracting(p -> (int) p.payload()[0]).containsExactly(0, 1, 2, 3, 4);
        assertThat(connection.pendingCount()).isZero();
    }

    @Test
    void connectionLossFailsUnacknowledgedPublishesWithATypedException() {
        MqttConnection connection = connected(settings(broker.tcpUrl(), "c-lost").backoff(FAST).build());
        broker.withholdAcks();
        CompletableFuture<Void> future = connection.publish("lost", new byte[] { 1 }, 1, false);
        broker.awaitPublishes(1, TIMEOUT);
        broker.disconnectClient("c-lost");
        assertThat(future).failsWithin(TIMEOUT).withThrowableThat().havingCause()
            .isInstanceOf(MqttConnectionLostException.class);
        broker.releaseAcks();
        awaitConnected(connection);
    }

    @Test
    void publishWhileDisconnectedFailsAtOnce() {
        broker.refuseConnects(true);
        MqttConnection connection = connection(settings(broker.tcpUrl(), "c-down").backoff(FAST).build());
        assertThat(connection.publish("t", new byte[0], 1, false)).failsWithin(TIMEOUT).withThrowableThat()
            .havingCause().isInstanceOf(MqttNotConnectedException.class).withMessageContaining("not connected");
    }

    @Test
    void invalidTopicIsRefusedBeforeSending() {
        MqttConnection connection = connected(settings(broker.tcpUrl(), "c-topic").build());
        assertThatThrownBy(() -> connection.publish("a/+/b", new byte[0], 1, false))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> connection.publish("a", new byte[0], 3, false))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("QoS");
    }

    @Test
    void credentialsAreAskedAtEveryConnect() throws Exception {
        AtomicInteger version = new AtomicInteger(1);
        AtomicInteger asked = new AtomicInteger();
        broker.authenticator(c -> ("token-" + version.get()).equals(c.username()) ? MqttAuthenticator.Decision.accept()
                : MqttAuthenticator.Decision.reject(MqttAuthenticator.Decision.Refusal.BAD_USERNAME_OR_PASSWORD));
        MqttConnection connection = connected(settings(broker.tcpUrl(), "c-creds").backoff(FAST).credentials(() -> {
            asked.incrementAndGet();
            return MqttCredentials.of("token-" + version.get(), "pw-" + version.get());
        }).build());
        assertThat(asked.get()).isEqualTo(1);
        version.set(2);
        connection.reconnect();
        await().atMost(TIMEOUT).until(() -> broker.connects().size() >= 2 && connection.isConnected());
        List<RecordedConnect> connects = broker.connects();
        assertThat(connects).extracting(c -> c.info().username()).containsExactly("token-1", "token-2");
        assertThat(connects).extracting(c -> c.info().passwordAsString()).containsExactly("pw-1", "pw-2");
        assertThat(connects).allSatisfy(c -> assertThat(c.accepted()).isTrue());
        assertThat(asked.get()).isEqualTo(2);
        connection.publish("after/refresh", new byte[] { 1 }, 1, false).get(10, TimeUnit.SECONDS);
    }

    @Test
    void refusedConnectIsRetriedWithFreshCredentials() {
        AtomicInteger version = new AtomicInteger(1);
        broker.authenticator(c -> "good".equals(c.passwordAsString()) ? MqttAuthenticator.Decision.accept()
                : MqttAuthenticator.Decision.reject(MqttAuthenticator.Decision.Refusal.BAD_USERNAME_OR_PASSWORD));
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        MqttConnection connection = new MqttConnection(settings(broker.tcpUrl(), "c-retry").backoff(FAST)
            .credentials(() -> MqttCredentials.of("u", version.getAndIncrement() < 3 ? "s3cret-wrong" : "good"))
            .build());
        this.connections.add(connection);
        connection.addConnectionListener(new MqttConnectionListener() {
            @Override
            public void disconnected(Throwable cause, boolean willRetry) {
                failures.add(cause);
            }
        });
        connection.start();
        awaitConnected(connection);
        assertThat(broker.connects()).extracting(c -> c.info().passwordAsString())
            .containsExactly("s3cret-wrong", "s3cret-wrong", "good");
        assertThat(connection.lastFailure()).contains("reason 4").doesNotContain("s3cret");
        assertThat(connection.connectedSince()).isNotNull();
        assertThat(failures).hasSize(2).allSatisfy(f -> assertThat(f)
            .isInstanceOf(org.eclipse.paho.client.mqttv3.MqttException.class)
            .extracting(e -> ((org.eclipse.paho.client.mqttv3.MqttException) e).getReasonCode())
            .isEqualTo((int) org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_FAILED_AUTHENTICATION));
    }

    @Test
    void permanentCredentialsFailureStopsTheLoop() {
        AtomicInteger asked = new AtomicInteger();
        List<Boolean> retries = new CopyOnWriteArrayList<>();
        MqttConnection connection = new MqttConnection(settings(broker.tcpUrl(), "c-perm").backoff(FAST)
            .credentials(() -> {
                asked.incrementAndGet();
                throw MqttCredentialsException.permanent("invalid user credentials", null);
            })
            .build());
        this.connections.add(connection);
        connection.addConnectionListener(new MqttConnectionListener() {
            @Override
            public void disconnected(Throwable cause, boolean willRetry) {
                retries.add(willRetry);
            }
        });
        connection.start();
        await().atMost(TIMEOUT).until(() -> connection.state() == MqttConnectionState.FAILED);
        assertThat(retries).containsExactly(false);
        assertThat(asked.get()).isEqualTo(1);
        assertThat(broker.connects()).noneMatch(c -> c.clientId().equals("c-perm"));
    }

    @Test
    void transientCredentialsFailureIsRetried() {
        AtomicInteger asked = new AtomicInteger();
        MqttConnection connection = connected(settings(broker.tcpUrl(), "c-transient").backoff(FAST).credentials(() -> {
            if (asked.incrementAndGet() < 3) {
                throw new java.io.IOException("identity provider unreachable");
            }
            return MqttCredentials.none();
        }).build());
        assertThat(asked.get()).isEqualTo(3);
        assertThat(connection.isConnected()).isTrue();
    }

    @Test
    void subscriptionReceivesAndIsRestoredAfterTheBrokerDroppedTheClient() throws Exception {
        BlockingQueue<MqttInboundMessage> received = new LinkedBlockingQueue<>();
        List<Boolean> sessionPresent = new CopyOnWriteArrayList<>();
        MqttConnection subscriber = new MqttConnection(settings(broker.tcpUrl(), "c-sub").backoff(FAST).build());
        this.connections.add(subscriber);
        subscriber.addConnectionListener(new MqttConnectionListener() {
            @Override
            public void connected(boolean present) {
                sessionPresent.add(present);
            }
        });
        subscriber.subscribe("devices/+/cmd", 1, received::add);
        subscriber.start();
        awaitConnected(subscriber);
        MqttConnection publisher = connected(settings(broker.tcpUrl(), "c-sub-pub").build());
        publisher.publish("devices/d1/cmd", "one".getBytes(StandardCharsets.UTF_8), 1, false).get(10, TimeUnit.SECONDS);
        MqttInboundMessage first = received.poll(10, TimeUnit.SECONDS);
        assertThat(first).isNotNull();
        assertThat(first.topic()).isEqualTo("devices/d1/cmd");
        assertThat(new String(first.payload(), StandardCharsets.UTF_8)).isEqualTo("one");

        broker.disconnectClient("c-sub");
        await().atMost(TIMEOUT).until(() -> sessionPresent.size() == 2 && subscriber.isConnected());
        publisher.publish("devices/d2/cmd", "two".getBytes(StandardCharsets.UTF_8), 1, false).get(10, TimeUnit.SECONDS);
        MqttInboundMessage second = received.poll(10, TimeUnit.SECONDS);
        assertThat(second).isNotNull();
        assertThat(second.topic()).isEqualTo("devices/d2/cmd");
        // Clean session: the broker forgot the subscription, the connection sent it again.
        assertThat(sessionPresent).containsExactly(false, false);
    }

    @Test
    void persistentSessionIsReportedAsPresentOnReconnect() {
        List<Boolean> sessionPresent = new CopyOnWriteArrayList<>();
        MqttConnection connection = new MqttConnection(settings(broker.tcpUrl(), "c-persistent").cleanSession(false)
            .backoff(FAST)
            .build());
        this.connections.add(connection);
        connection.addConnectionListener(new MqttConnectionListener() {
            @Override
            public void connected(boolean present) {
                sessionPresent.add(present);
            }
        });
        connection.subscribe("realm/dev/control/consumer/properties", 2, m -> {
        });
        connection.start();
        awaitConnected(connection);
        broker.disconnectClient("c-persistent");
        await().atMost(TIMEOUT).until(() -> sessionPresent.size() == 2 && connection.isConnected());
        assertThat(connection.isSessionPresent()).isTrue();
        assertThat(broker.connects()).allSatisfy(c -> assertThat(c.info().cleanSession()).isFalse());
        // A new session for the same id: drop it on the broker side by connecting with clean session.
    }

    @Test
    void webSocketAtMqttPath() throws Exception {
        MqttConnection connection = connected(settings(broker.webSocketUrl(), "c-ws").build());
        connection.publish("ws/in", "x".getBytes(StandardCharsets.UTF_8), 1, false).get(10, TimeUnit.SECONDS);
        assertThat(broker.awaitPublishes(1, TIMEOUT).get(0).clientId()).isEqualTo("c-ws");
    }

    @Test
    void stopWaitsForInflightAcknowledgementsAndStartConnectsAgain() throws Exception {
        MqttConnection connection = connected(settings(broker.tcpUrl(), "c-stop").build());
        broker.withholdAcks();
        CompletableFuture<Void> future = connection.publish("stop", new byte[] { 1 }, 1, false);
        broker.awaitPublishes(1, TIMEOUT);
        // Nothing acknowledges within the stop timeout: the future fails, stop reports it.
        assertThat(connection.stop(Duration.ofMillis(200))).isFalse();
        assertThat(future).failsWithin(TIMEOUT).withThrowableThat().havingCause()
            .isInstanceOf(MqttConnectionLostException.class);
        assertThat(connection.state()).isEqualTo(MqttConnectionState.STOPPED);
        broker.releaseAcks();
        connection.start();
        awaitConnected(connection);
        connection.publish("stop", new byte[] { 2 }, 1, false).get(10, TimeUnit.SECONDS);
        assertThat(connection.stop(TIMEOUT)).isTrue();
    }

    @Test
    void retriesUntilTheBrokerAcceptsAgain() {
        broker.refuseConnectsFor(Duration.ofMillis(500));
        MqttConnection connection = connected(settings(broker.tcpUrl(), "c-refused-for").backoff(FAST).build());
        List<RecordedConnect> connects = broker.connects();
        assertThat(connects.get(0).accepted()).isFalse();
        assertThat(connects.get(0).decision().refusal())
            .isEqualTo(MqttAuthenticator.Decision.Refusal.SERVER_UNAVAILABLE);
        assertThat(connects.get(connects.size() - 1).accepted()).isTrue();
        assertThat(connection.isConnected()).isTrue();
    }

    @Test
    void reconnectWhileDisconnectedSkipsTheBackoff() {
        broker.refuseConnects(true);
        MqttConnection connection = connection(settings(broker.tcpUrl(), "c-wake")
            .backoff(new RetryBackoff(Duration.ofMinutes(5), Duration.ofMinutes(5), 1.0, 0.0))
            .build());
        broker.awaitConnects(1, TIMEOUT);
        await().atMost(TIMEOUT).until(() -> connection.state() == MqttConnectionState.DISCONNECTED);
        broker.refuseConnects(false);
        // The next attempt would come in five minutes; a reconnect request runs it now.
        connection.reconnect();
        awaitConnected(connection);
    }

    @Test
    void zeroInitialReconnectDelayIsRefused() {
        RetryBackoff immediate = new RetryBackoff(Duration.ZERO, Duration.ofSeconds(1), 2.0, 0.0);
        assertThatThrownBy(() -> settings(broker.tcpUrl(), "c-zero").backoff(immediate))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("reconnect initial delay must be positive");
    }

    @Test
    void listenerFailureDoesNotBreakTheConnection() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        MqttConnection connection = connected(settings(broker.tcpUrl(), "c-listener").build());
        connection.subscribe("boom/#", 1, m -> {
            received.add(m.topic());
            throw new IllegalStateException("listener bug");
        }).get(10, TimeUnit.SECONDS);
        MqttConnection publisher = connected(settings(broker.tcpUrl(), "c-listener-pub").build());
        publisher.publish("boom/1", new byte[0], 1, false).get(10, TimeUnit.SECONDS);
        publisher.publish("boom/2", new byte[0], 1, false).get(10, TimeUnit.SECONDS);
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("boom/1");
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("boom/2");
        assertThat(connection.isConnected()).isTrue();
    }

    // QoS 2 and what a broker keeps of it: Mosquitto (default max_inflight_messages 20) drops an MQTT 3.1.1 client
    // that sends any QoS 1 or 2 PUBLISH while 20 QoS 2 PUBLISHes await their PUBREL, and keeps an interrupted QoS 2 exchange in a persistent session
    // until the client finishes it. The embedded broker has neither limit, so these check what the connection sends;
    // docs/testing.md ("Checked against Mosquitto") has the runs against Mosquitto itself.

    @Test
    void atMostNineteenQos2PublishesAwaitTheirExchangeWhateverTheWindow() throws Exception {
        MqttConnection connection = connected(settings(broker.tcpUrl(), "c-qos2-cap").maxInflight(100).build());
        broker.withholdAcks();
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            futures.add(connection.publish("realm/dev/iface/p", utf8("p" + i), 2, false));
        }
        // Sent or not is decided in publish(), on the caller's thread.
        assertThat(connection.inflightCount()).isEqualTo(19);
        assertThat(connection.waitingCount()).isEqualTo(31);
        assertThat(futures).noneMatch(CompletableFuture::isDone);
        broker.releaseAcks();
        CompletableFuture.allOf(futures.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
        List<RecordedPublish> sent = broker.awaitPublishes((p) -> p.clientId().equals("c-qos2-cap"), 50, TIMEOUT);
        assertThat(sent).extracting(RecordedPublish::payloadAsString)
            .containsExactlyElementsOf(IntStream.range(0, 50).mapToObj((i) -> "p" + i).toList());
    }

    @Test
    void qos1PublishesKeepTheWholeWindow() {
        MqttConnection connection = connected(settings(broker.tcpUrl(), "c-qos1-window").maxInflight(100).build());
        broker.withholdAcks();
        for (int i = 0; i < 50; i++) {
            connection.publish("in/org", utf8("q" + i), 1, false);
        }
        assertThat(connection.inflightCount()).isEqualTo(50);
        assertThat(connection.waitingCount()).isZero();
    }

    @Test
    void persistentSessionFinishesAnInterruptedQos2ExchangeOnTheReconnect() {
        MqttConnection connection = connected(settings(broker.tcpUrl(), "c-qos2-session").cleanSession(false)
            .backoff(FAST)
            .build());
        broker.withholdAcks();
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            futures.add(connection.publish("realm/dev/iface/s", utf8("s" + i), 2, false));
        }
        // The broker reads one client's publishes one at a time: the first waits for its PUBREC, the others behind it.
        broker.awaitPublishes((p) -> p.clientId().equals("c-qos2-session"), 1, TIMEOUT);
        assertThat(connection.inflightCount()).isEqualTo(3);
        broker.disconnectClient("c-qos2-session");
        // The caller hears of the loss (its queue sends them again, at least once) ...
        await().atMost(TIMEOUT).until(() -> futures.stream().allMatch(CompletableFuture::isCompletedExceptionally));
        broker.releaseAcks();
        // ... and the connection still finishes the exchanges the broker keeps in the session, with their own packet
        // ids (MQTT 3.1.1 section 4.4), instead of leaving them to hold the broker's QoS 2 slots. (The broker records
        // a re-sent PUBLISH only if it had not read it before.)
        List<RecordedPublish> resent = broker.awaitPublishes(
                (p) -> p.clientId().equals("c-qos2-session") && p.duplicate(), 1, TIMEOUT);
        assertThat(resent).extracting(RecordedPublish::payloadAsString).isSubsetOf("s0", "s1", "s2");
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(broker.publishes("realm/dev/iface/s").stream()
            .filter((p) -> p.clientId().equals("c-qos2-session"))
            .map(RecordedPublish::payloadAsString)
            .distinct()).containsExactlyInAnyOrder("s0", "s1", "s2"));
        assertThat(connection.isConnected()).isTrue();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static MqttConnectionSettings.Builder settings(String url, String clientId) {
        return MqttConnectionSettings.builder(MqttEndpoint.parse(url), clientId).connectTimeout(Duration.ofSeconds(5));
    }

    MqttConnection connection(MqttConnectionSettings settings) {
        MqttConnection connection = new MqttConnection(settings);
        this.connections.add(connection);
        connection.start();
        return connection;
    }

    MqttConnection connected(MqttConnectionSettings settings) {
        MqttConnection connection = connection(settings);
        awaitConnected(connection);
        return connection;
    }

    static void awaitConnected(MqttConnection connection) {
        await().atMost(TIMEOUT).until(connection::isConnected);
    }
}
