package dev.iotspring.core.mqtt;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.core.store.JdbcKeyValueStore;
import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.mqtt.EnableEmbeddedMqttBroker;
import dev.iotspring.test.mqtt.RecordedPublish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * A persistent session across a restart of the process: the QoS 2 exchanges the last run left open are finished,
 * their packet ids not reused (against the JVM's shared HiveMQ broker, with the ids in SQLite on disk).
 */
@EnableEmbeddedMqttBroker
class MqttQos2RestartTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final RetryBackoff FAST = new RetryBackoff(Duration.ofMillis(50), Duration.ofMillis(200), 2.0, 0.0);

    static EmbeddedMqttBroker broker;

    @TempDir
    Path directory;

    private IotStores stores;

    private final List<MqttConnection> connections = new ArrayList<>();

    @BeforeAll
    static void broker(EmbeddedMqttBroker shared) {
        broker = shared;
    }

    @BeforeEach
    void openStores() {
        this.stores = new IotStores(this.directory, SynchronousMode.NORMAL, Duration.ofSeconds(5));
    }

    @AfterEach
    void close() {
        broker.refuseConnects(false);
        broker.releaseAcks();
        this.connections.forEach(MqttConnection::close);
        this.stores.close();
    }

    @Test
    void aRestartFinishesTheQos2ExchangeTheLastRunLeftOpenInsteadOfReusingItsPacketId() throws Exception {
        String clientId = "c-qos2-restart";
        JdbcKeyValueStore ids = this.stores.open("device").keyValueStore("mqtt-qos2");
        MqttConnection first = connected(clientId, ids);
        broker.withholdAcks();
        first.publish("realm/dev/iface/p", utf8("before the crash"), 2, false);
        // The broker has the publish (packet id 1) and keeps its exchange in the session; the PUBREC never leaves.
        broker.awaitHeldAcks(1, TIMEOUT);
        assertThat(openIds(ids)).contains(1);
        crash(first, clientId);

        MqttConnection second = connected(clientId, ids);
        second.publish("realm/dev/iface/p", utf8("after the restart"), 2, false).get(10, TimeUnit.SECONDS);
        // Numbered from 1 again, this publish would have been taken for a duplicate of the open exchange: acknowledged
        // and never delivered.
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(broker.publishes("realm/dev/iface/p").stream()
            .filter(p -> p.clientId().equals(clientId))
            .map(RecordedPublish::payloadAsString)).contains("after the restart"));
        second.close();
        assertThat(ids.list("")).isEmpty();
    }

    @Test
    void everyStartedExchangeIsCoveredWhileRunningAndAnOrderlyCloseAfterThemLeavesNothing() throws Exception {
        JdbcKeyValueStore ids = this.stores.open("device").keyValueStore("mqtt-qos2");
        MqttConnection connection = connected("c-qos2-complete", ids);
        for (int i = 0; i < MqttQos2Persistence.BLOCK + 5; i++) {
            connection.publish("realm/dev/iface/c", utf8("c" + i), 2, false).get(10, TimeUnit.SECONDS);
            // A crash now must not leave this exchange's id to a later publish.
            assertThat(openIds(ids)).contains(i + 1);
        }
        connection.close();
        assertThat(ids.list("")).isEmpty();
    }

    @Test
    void theReservedIdsFollowPahosOrderPast65535() {
        assertThat(MqttQos2Persistence.parse("100,65000;65500+128")).hasSize(130)
            .contains(100, 65000, 65500, 65535, 1, 92)
            .doesNotContain(65499, 93);
    }

    @Test
    void aStoreOfOpenExchangesNeedsAPersistentSession() {
        JdbcKeyValueStore ids = this.stores.open("device").keyValueStore("mqtt-qos2");
        assertThatIllegalStateException().isThrownBy(() -> MqttConnectionTests
            .settings(broker.tcpUrl(), "c-clean").qos2Store(ids).build())
            .withMessageContaining("persistent session");
    }

    /** The connection goes without a DISCONNECT and the process with it (the client cannot reconnect meanwhile). */
    private void crash(MqttConnection connection, String clientId) {
        broker.refuseConnects(true);
        assertThat(broker.disconnectClient(clientId)).isTrue();
        connection.close();
        broker.releaseAcks();
        broker.refuseConnects(false);
    }

    private MqttConnection connected(String clientId, JdbcKeyValueStore ids) {
        MqttConnection connection = new MqttConnection(MqttConnectionTests.settings(broker.tcpUrl(), clientId)
            .cleanSession(false)
            .backoff(FAST)
            .qos2Store(ids)
            .build());
        this.connections.add(connection);
        connection.start();
        MqttConnectionTests.awaitConnected(connection);
        return connection;
    }

    private static java.util.Set<Integer> openIds(JdbcKeyValueStore ids) {
        return ids.getString("open-packet-ids").map(MqttQos2Persistence::parse).orElse(java.util.Set.of());
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
