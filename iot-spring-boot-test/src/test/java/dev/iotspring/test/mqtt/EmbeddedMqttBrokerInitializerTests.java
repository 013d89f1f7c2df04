package dev.iotspring.test.mqtt;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import org.springframework.context.support.GenericApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

@EnableEmbeddedMqttBroker
class EmbeddedMqttBrokerInitializerTests {

    @Test
    void putsTheSharedBrokersAddressesIntoTheEnvironment(EmbeddedMqttBroker broker) throws Exception {
        try (GenericApplicationContext context = new GenericApplicationContext()) {
            new EmbeddedMqttBrokerInitializer().initialize(context);
            var env = context.getEnvironment();
            assertThat(env.getProperty("iot.test.mqtt.tcp-url")).isEqualTo("mqtt://127.0.0.1:" + broker.tcpPort());
            assertThat(env.getProperty("iot.test.mqtt.ws-url"))
                .isEqualTo("ws://127.0.0.1:" + broker.webSocketPort() + "/mqtt");
            assertThat(env.getProperty("iot.test.mqtt.tls-url")).isEqualTo("mqtts://localhost:" + broker.tlsPort());
            assertThat(env.getProperty("iot.test.mqtt.wss-url"))
                .isEqualTo("wss://localhost:" + broker.secureWebSocketPort() + "/mqtt");
            Path ca = Path.of(env.getProperty("iot.test.mqtt.ca-certificate"));
            assertThat(Files.readString(ca)).startsWith("-----BEGIN CERTIFICATE-----")
                .isEqualTo(broker.certificateAuthority().certificatePem());
        }
    }

    @Test
    void injectsTheSameSharedBrokerEverywhere(EmbeddedMqttBroker broker) {
        assertThat(broker).isSameAs(EmbeddedMqttBroker.shared());
        assertThat(broker.isRunning()).isTrue();
    }
}
