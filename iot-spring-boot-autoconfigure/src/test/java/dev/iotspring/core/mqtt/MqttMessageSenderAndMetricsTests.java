package dev.iotspring.core.mqtt;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.observe.IotMetrics;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.mqtt.EnableEmbeddedMqttBroker;
import dev.iotspring.test.mqtt.RecordedPublish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@EnableEmbeddedMqttBroker
class MqttMessageSenderAndMetricsTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void senderPublishesTheMessageAsItSaysAndIsReadyOnlyWhenConnected(EmbeddedMqttBroker broker) throws Exception {
        try (MqttConnection connection = new MqttConnection(
                MqttConnectionSettings.builder(MqttEndpoint.parse(broker.tcpUrl()), "sender-1").build())) {
            MqttMessageSender sender = new MqttMessageSender(connection);
            assertThat(sender.isReady()).isFalse();
            connection.start();
            await().atMost(TIMEOUT).until(sender::isReady);
            OutboundMessage message = new OutboundMessage("id-1", "in/org", new byte[] { 4, 2 }, 1, true,
                    Instant.now(), Map.of("content-type", "application/json"));
            sender.send(message).get(10, TimeUnit.SECONDS);
            RecordedPublish publish = broker.awaitPublishes(1, TIMEOUT).get(0);
            assertThat(publish.topic()).isEqualTo("in/org");
            assertThat(publish.payload()).containsExactly(4, 2);
            assertThat(publish.qos()).isEqualTo(1);
            assertThat(publish.retain()).isTrue();
            connection.stop(TIMEOUT);
            assertThat(sender.isReady()).isFalse();
        }
    }

    @Test
    void connectionStateGaugeFollowsTheConnection(EmbeddedMqttBroker broker) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MqttConnection connection = new MqttConnection(
                MqttConnectionSettings.builder(MqttEndpoint.parse(broker.tcpUrl()), "metrics-1").build())) {
            new MqttConnectionMetrics(connection, "stellanow").bindTo(registry);
            Gauge gauge = registry.get(IotMetrics.CONNECTION_STATE).tag(IotMetrics.TAG_PLATFORM, "stellanow").gauge();
            // Only the platform tag, with the description dashboards already show.
            assertThat(gauge.getId().getTags()).containsExactly(io.micrometer.core.instrument.Tag.of("platform", "stellanow"));
            assertThat(gauge.getId().getDescription()).isEqualTo("1 while the MQTT connection is up, 0 otherwise");
            assertThat(gauge.value()).isZero();
            connection.start();
            await().atMost(TIMEOUT).until(() -> gauge.value() == 1.0);
            broker.disconnectClient("metrics-1");
            connection.stop(TIMEOUT);
            assertThat(gauge.value()).isZero();
        }
    }

    @Test
    void credentialsNeverShowTheirPassword() {
        MqttCredentials credentials = MqttCredentials.of("token-user", "s3cr3t-pw");
        assertThat(credentials.toString()).contains("token-user").doesNotContain("s3cr3t-pw");
        assertThat(MqttConnectionSettings
            .builder(MqttEndpoint.parse("mqtts://broker.example.com"), "id")
            .credentials(credentials)
            .build()
            .toString()).doesNotContain("s3cr3t-pw");
        assertThat(credentials.password()).containsExactly("s3cr3t-pw".toCharArray());
    }
}
