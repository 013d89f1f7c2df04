package dev.iotspring.integration;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.astarte.AstarteDevice;
import dev.iotspring.astarte.AstarteDeviceIds;
import dev.iotspring.astarte.AstarteValidationException;
import dev.iotspring.astarte.autoconfigure.SharedAstarteEmulator;
import dev.iotspring.test.astarte.AstarteEmulator;
import dev.iotspring.test.astarte.DeviceMessage;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHandlingException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Integration flows over the auto-configured Astarte device and the emulator: datastream values in order on the
 * interface and path the handler computes, a value the interface refuses thrown to the sender, a device property
 * addressed by headers alone, and server data and property unsets arriving on a channel with their headers.
 */
class AstarteIntegrationFlowTests {

    static final Duration WAIT = Duration.ofSeconds(30);

    static final AstarteEmulator astarte = SharedAstarteEmulator.get();

    @TempDir
    Path directory;

    @Test
    void valuesGoOutInOrderAndServerDataComesInOnAChannel() {
        String deviceId = AstarteDeviceIds.random();
        SharedAstarteEmulator.runner(deviceId, this.directory)
            .withUserConfiguration(Flows.class)
            .run((context) -> {
                assertThat(context).hasNotFailed();
                AstarteDevice device = context.getBean(AstarteDevice.class);
                await().atMost(WAIT).until(device::isConnected);
                astarte.awaitMessages(deviceId, (m) -> m.kind() == DeviceMessage.Kind.PRODUCER_PROPERTIES, 1, WAIT);

                MessageChannel temperatures = context.getBean("temperatures", MessageChannel.class);
                for (int i = 0; i < 10; i++) {
                    temperatures.send(MessageBuilder.withPayload(20.0 + i).setHeader("sensor", "hall").build());
                }
                QueueChannel acknowledged = context.getBean("acknowledged", QueueChannel.class);
                for (int i = 0; i < 10; i++) {
                    assertThat(acknowledged.receive(WAIT.toMillis())).as("acknowledgement %d", i).isNotNull();
                }
                List<DeviceMessage> data = astarte.awaitMessages(deviceId,
                        (m) -> m.kind() == DeviceMessage.Kind.DATA, 10, WAIT);
                assertThat(data).extracting(DeviceMessage::path).containsOnly("/hall/temperature");
                assertThat(data).extracting(DeviceMessage::value)
                    .containsExactlyElementsOf(IntStream.range(0, 10).mapToObj((i) -> (Object) (20.0 + i)).toList());

                assertThatThrownBy(() -> temperatures.send(MessageBuilder.withPayload("warm")
                    .setHeader("sensor", "hall")
                    .build())).isInstanceOf(MessageHandlingException.class)
                    .hasCauseInstanceOf(AstarteValidationException.class);

                // Headers alone address a device property.
                context.getBean("astarteOut", MessageChannel.class).send(MessageBuilder.withPayload("2.4.0")
                    .setHeader(IotHeaders.ASTARTE_INTERFACE, "org.example.Settings")
                    .setHeader(IotHeaders.ASTARTE_PATH, "/firmware/version")
                    .setHeader(IotHeaders.ASTARTE_PROPERTY, true)
                    .build());
                await().atMost(WAIT).until(() -> "2.4.0"
                    .equals(astarte.deviceProperties(deviceId).get("org.example.Settings/firmware/version")));
                assertThat(device.getProperty("org.example.Settings", "/firmware/version")).contains("2.4.0");

                astarte.sendDatastream(deviceId, "org.example.Commands", "/42/run", "blink", null, 2)
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
                astarte.setServerProperty(deviceId, "org.example.Config", "/rate/value", 5L)
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
                astarte.unsetServerProperty(deviceId, "org.example.Config", "/rate/value")
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
                QueueChannel received = context.getBean("received", QueueChannel.class);
                Message<?> command = received.receive(WAIT.toMillis());
                assertThat(command.getPayload()).isEqualTo("blink");
                assertThat(command.getHeaders()).containsEntry(IotHeaders.ASTARTE_INTERFACE, "org.example.Commands")
                    .containsEntry(IotHeaders.ASTARTE_PATH, "/42/run")
                    .containsEntry(IotHeaders.ASTARTE_UNSET, false);
                Message<?> set = received.receive(WAIT.toMillis());
                assertThat(set.getPayload()).isEqualTo(5L);
                assertThat(set.getHeaders()).containsEntry(IotHeaders.ASTARTE_PATH, "/rate/value");
                Message<?> unset = received.receive(WAIT.toMillis());
                assertThat(unset.getPayload()).isEqualTo(AstarteUnset.INSTANCE);
                assertThat(unset.getHeaders()).containsEntry(IotHeaders.ASTARTE_UNSET, true);
            });
    }

    @Configuration(proxyBeanMethods = false)
    @Import(TestChannels.class)
    static class Flows {

        @Bean
        IntegrationFlow temperatureFlow(AstarteDevice device) {
            return IntegrationFlow.from("temperatures")
                .handle(IotIntegration.astarte(device)
                    .interfaceName("org.example.Sensors")
                    .path((m) -> "/" + m.getHeaders().get("sensor") + "/temperature"))
                .channel("acknowledged")
                .get();
        }

        @Bean
        IntegrationFlow headerAddressedFlow(AstarteDevice device) {
            return IntegrationFlow.from("astarteOut").handle(IotIntegration.astarte(device)).get();
        }

        @Bean
        IntegrationFlow serverDataFlow(AstarteDevice device) {
            return IntegrationFlow.from(IotIntegration.astarteInbound(device)
                .interfaceNames("org.example.Commands", "org.example.Config"))
                .channel("received")
                .get();
        }
    }
}
