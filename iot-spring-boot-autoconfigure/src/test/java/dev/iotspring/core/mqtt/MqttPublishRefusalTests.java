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

import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.delivery.MessageRejectedException;
import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.core.event.IotEventPublisher;
import dev.iotspring.core.event.IotMessageFailedEvent;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.mqtt.MqttTopicAuthorizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A broker that refuses a publish (its authorizer denies the topic). MQTT 3.1.1 has no negative PUBACK: the
 * broker closes the connection, and Paho reports the publish as lost with the connection (reason 32109). The
 * caller's future fails with a {@link MqttPublishException}; what was acknowledged before stays delivered, the
 * connection comes back with its subscriptions, and later publishes go through. Through a {@link Dispatcher}, the
 * refused message would be retried on every reconnect and stall the queue: the poison-message rule fails it after
 * five connection losses under it (and a probe with the next message) and delivers the rest.
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

    @Test
    void dispatcherGivesUpOnAMessageTheBrokerKeepsRefusingAndDeliversTheRest() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        List<Object> events = new CopyOnWriteArrayList<>();
        IotEventPublisher publisher = new IotEventPublisher("test", events::add);
        try (MqttConnection watcher = new MqttConnection(settings("poison-watcher"));
                MqttConnection sender = new MqttConnection(settings("poison-sender"));
                Dispatcher dispatcher = Dispatcher.builder("test", InMemoryQueue.fifo(), new MqttMessageSender(sender))
                    .backoff(new RetryBackoff(Duration.ofMillis(20), Duration.ofMillis(100), 2.0, 0.0))
                    .readinessRecheck(Duration.ofMillis(50))
                    .listener(publisher.asDeliveryListener())
                    .build()) {
            watcher.start();
            sender.start();
            await().atMost(TIMEOUT).until(() -> watcher.isConnected() && sender.isConnected());
            watcher.subscribe("allowed/#", 1, m -> received.add(text(m.payload())))
                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            dispatcher.start();

            CompletableFuture<Void> before = dispatcher.sendAsync(OutboundMessage.of("m1", "allowed/a", bytes("one")));
            CompletableFuture<Void> poison = dispatcher.sendAsync(OutboundMessage.of("m2", "forbidden/a", bytes("two")));
            CompletableFuture<Void> after = dispatcher.sendAsync(OutboundMessage.of("m3", "allowed/a", bytes("three")));

            assertThatThrownBy(() -> poison.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("m2")
                .hasMessageContaining("5 times");
            before.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            after.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            await().atMost(TIMEOUT).until(() -> received.contains("three"));
            assertThat(received).containsExactly("one", "three");
            assertThat(dispatcher.failedCount()).isEqualTo(1);
            assertThat(dispatcher.getQueue().size()).isZero();
            assertThat(events).singleElement()
                .isInstanceOfSatisfying(IotMessageFailedEvent.class, (e) -> {
                    assertThat(e.getMessage().id()).isEqualTo("m2");
                    assertThat(e.getCause()).isInstanceOf(MessageRejectedException.class);
                });
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
