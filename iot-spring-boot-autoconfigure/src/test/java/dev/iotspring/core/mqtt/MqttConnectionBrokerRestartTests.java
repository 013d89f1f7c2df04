package dev.iotspring.core.mqtt;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.iotspring.test.mqtt.EmbeddedMqttBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A broker outage: stop and start on the same ports, sessions kept on disk. Own broker: it gets stopped. */
class MqttConnectionBrokerRestartTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    static EmbeddedMqttBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedMqttBroker.builder().persistentSessions(true).webSocket(false).start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void reconnectsAfterTheOutageRestoresSubscriptionsAndReportsSessionPresent() throws Exception {
        MqttReconnectBackoff fast = new MqttReconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500), 2.0, 0.2);
        Subscriber persistent = new Subscriber(MqttConnectionSettings
            .builder(MqttEndpoint.parse(broker.tcpUrl()), "restart-persistent").cleanSession(false).backoff(fast).build());
        Subscriber clean = new Subscriber(MqttConnectionSettings
            .builder(MqttEndpoint.parse(broker.tcpUrl()), "restart-clean").backoff(fast).build());
        try (MqttConnection publisher = new MqttConnection(MqttConnectionSettings
            .builder(MqttEndpoint.parse(broker.tcpUrl()), "restart-publisher").backoff(fast).build())) {
            publisher.start();
            await().atMost(TIMEOUT).until(() -> persistent.connection.isConnected() && clean.connection.isConnected()
                    && publisher.isConnected());

            broker.stop();
            await().atMost(TIMEOUT).until(() -> persistent.connection.state() == MqttConnectionState.DISCONNECTED
                    && clean.connection.state() == MqttConnectionState.DISCONNECTED);
            assertThat(publisher.publish("cmd/x", new byte[0], 1, false)).failsWithin(TIMEOUT).withThrowableThat()
                .havingCause().isInstanceOf(MqttNotConnectedException.class);

            broker.start();
            await().atMost(TIMEOUT).until(() -> persistent.connection.isConnected() && clean.connection.isConnected()
                    && publisher.isConnected());
            // Same client id, sessions kept by the broker: present for the persistent one only.
            assertThat(persistent.sessionPresent).containsExactly(false, true);
            assertThat(clean.sessionPresent).containsExactly(false, false);

            publisher.publish("cmd/after-restart", "hi".getBytes(StandardCharsets.UTF_8), 1, false)
                .get(10, TimeUnit.SECONDS);
            for (Subscriber s : List.of(persistent, clean)) {
                MqttInboundMessage message = s.received.poll(10, TimeUnit.SECONDS);
                assertThat(message).as(s.connection.settings().clientId()).isNotNull();
                assertThat(message.topic()).isEqualTo("cmd/after-restart");
            }
        }
        finally {
            persistent.connection.close();
            clean.connection.close();
        }
    }

    static final class Subscriber {

        final MqttConnection connection;

        final List<Boolean> sessionPresent = new CopyOnWriteArrayList<>();

        final BlockingQueue<MqttInboundMessage> received = new LinkedBlockingQueue<>();

        Subscriber(MqttConnectionSettings settings) {
            this.connection = new MqttConnection(settings);
            this.connection.addConnectionListener(new MqttConnectionListener() {
                @Override
                public void connected(boolean present) {
                    Subscriber.this.sessionPresent.add(present);
                }
            });
            this.connection.subscribe("cmd/#", 1, this.received::add);
            this.connection.start();
        }
    }
}
