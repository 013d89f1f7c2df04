package dev.iotspring.core.mqtt;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.mqtt.MqttTopicAuthorizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A broker that refuses a publish (its authorizer denies the topic). MQTT 3.1.1 has no negative PUBACK: the
 * broker closes the connection, and Paho reports the publish as lost with the connection (reason 32109). The
 * caller's future fails with a {@link MqttPublishException}; what was acknowledged before stays delivered, the
 * connection comes back with its subscriptions, and later publishes go through.
 */
class MqttPublishRefusalTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static EmbeddedMqttBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedMqttBroker.builder()
            .webSocket(false)
            .topicAuthorizer((client, action, topic) -> action != MqttTopicAuthorizer.Action.PUBLISH
                    || !topic.startsWith("forbidden/"))
            .start();
    }

    @AfterAll
    static void closeBroker() {
        broker.close();
    }

    @Test
    void refusedPublishFailsItsFutureAndNothingElseIsLost() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        List<String> echoed = new CopyOnWriteArrayList<>();
        try (MqttConnection watcher = new MqttConnection(settings("refusal-watcher"));
                MqttConnection sender = new MqttConnection(settings("refusal-sender"))) {
            watcher.start();
            sender.start();
            await().atMost(TIMEOUT).until(() -> watcher.isConnected() && sender.isConnected());
            watcher.subscribe("#", 1, m -> received.add(m.topic() + "=" + text(m.payload())))
                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            sender.subscribe("echo", 1, m -> echoed.add(text(m.payload()))).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

            sender.publish("allowed/1", bytes("before"), 1, false).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            CompletableFuture<Void> refused = sender.publish("forbidden/1", bytes("secret-payload"), 1, false);

            assertThatThrownBy(() -> refused.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                .hasCauseInstanceOf(MqttPublishException.class)
                .cause()
                // 3.1.1: the refusal reaches the client only as the connection closing under the publish.
                .isInstanceOf(MqttConnectionLostException.class)
                .hasMessageContaining("refusal-sender")
                .hasMessageNotContaining("secret-payload");
            // The loop reconnects on its own; the next publish and the subscription work again.
            await().atMost(TIMEOUT).until(sender::isConnected);
            sender.publish("allowed/2", bytes("after"), 1, false).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            watcher.publish("echo", bytes("still subscribed"), 1, false).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

            await().atMost(TIMEOUT).until(() -> received.contains("allowed/2=after") && echoed.size() == 1);
            // In order from one publisher: the refused message would have arrived between the two.
            assertThat(received).filteredOn(r -> !r.startsWith("echo="))
                .containsExactly("allowed/1=before", "allowed/2=after");
            assertThat(echoed).containsExactly("still subscribed");
            assertThat(sender.pendingCount()).isZero();
            assertThat(sender.lastFailure()).contains("connection lost");
        }
    }

    private static MqttConnectionSettings settings(String clientId) {
        return MqttConnectionSettings.builder(MqttEndpoint.parse(broker.tcpUrl()), clientId)
            .connectTimeout(Duration.ofSeconds(5))
            .backoff(new RetryBackoff(Duration.ofMillis(50), Duration.ofMillis(200), 2.0, 0.0))
            .build();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] payload) {
        return new String(payload, StandardCharsets.UTF_8);
    }
}
