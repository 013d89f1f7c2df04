package dev.iotspring.astarte.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.astarte.AstarteDevice;
import dev.iotspring.astarte.AstarteDeviceIds;
import dev.iotspring.astarte.AstarteListener;
import dev.iotspring.astarte.AstarteServerEvent;
import dev.iotspring.core.event.IotConnectionStateChangedEvent;
import dev.iotspring.test.astarte.AstarteEmulator;
import dev.iotspring.test.astarte.AstartePayloads;
import dev.iotspring.test.astarte.DeviceMessage;

import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The auto-configured device against the emulator: registration with a JWT signed from the realm key, trust
 * from an SSL bundle, a datastream out, server data into an {@code @AstarteListener} method, health, events and
 * observations.
 */
class AstarteAutoConfigurationIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final AstarteEmulator astarte = SharedAstarteEmulator.get();

    @TempDir
    Path directory;

    private final TestObservationRegistry observations = TestObservationRegistry.create();

    @Test
    void pairsConnectsSendsAndReceivesThroughTheAutoConfiguredDevice() {
        String deviceId = AstarteDeviceIds.random();
        runner(deviceId).withUserConfiguration(Listeners.class)
            .withPropertyValues("iot.astarte.observation-enabled=true")
            .withBean(ObservationRegistry.class, () -> this.observations)
            .run(context -> {
                assertThat(context).hasNotFailed();
                AstarteDevice device = context.getBean(AstarteDevice.class);
                await().atMost(WAIT).until(device::isConnected);
                astarte.awaitMessages(deviceId, m -> m.kind() == DeviceMessage.Kind.PRODUCER_PROPERTIES, 1, WAIT);
                assertThat(astarte.isRegistered(deviceId)).isTrue();

                device.send("org.example.Sensors", "/hall/temperature", 19.5).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(astarte.awaitMessages(deviceId, m -> m.kind() == DeviceMessage.Kind.DATA, 1, WAIT).get(0)
                    .value()).isEqualTo(19.5);

                astarte.sendDatastream(deviceId, "org.example.Commands", "/42/run", "blink", null, 2)
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
                Listeners listeners = context.getBean(Listeners.class);
                await().atMost(WAIT).until(() -> listeners.commands.size() == 1);
                assertThat(listeners.commands.get(0).path()).isEqualTo("/42/run");
                assertThat(listeners.commands.get(0).value()).isEqualTo("blink");
                // iot.astarte.observation-enabled: the send observed from call to acknowledgement, the server data
                // while it was handed to the listeners.
                TestObservationRegistryAssert.assertThat(this.observations)
                    .hasObservationWithNameEqualTo("iot.message.send")
                    .that()
                    .hasBeenStopped()
                    .hasLowCardinalityKeyValue("iot.platform", "astarte")
                    .hasLowCardinalityKeyValue("iot.destination.kind", "interface")
                    .hasLowCardinalityKeyValue("iot.outcome", "success")
                    .hasHighCardinalityKeyValue("iot.destination", "org.example.Sensors/hall/temperature");
                TestObservationRegistryAssert.assertThat(this.observations)
                    .hasObservationWithNameEqualTo("iot.message.receive")
                    .that()
                    .hasBeenStopped()
                    .hasLowCardinalityKeyValue("iot.platform", "astarte")
                    .hasHighCardinalityKeyValue("iot.destination", "org.example.Commands/42/run");
                assertThat(listeners.connected).anySatisfy(e -> {
                    assertThat(e.getPlatform()).isEqualTo("astarte");
                    assertThat(e.isConnected()).isTrue();
                });

                HealthIndicator health = context.getBean("astarteHealthIndicator", HealthIndicator.class);
                assertThat(health.health().getDetails()).containsEntry("connected", true).containsEntry("paired", true)
                    .containsKey("certificateExpiry");
            });
    }

    @Test
    void anApplicationsConnectionDetailsWinOverThePairingUrlProperty() {
        String deviceId = AstarteDeviceIds.random();
        // Nothing listens on port 1: only the application's bean leads to the emulator's Pairing API.
        runner(deviceId, "iot.astarte.pairing-url=http://127.0.0.1:1/pairing")
            .withBean(AstarteConnectionDetails.class, () -> AstarteConnectionDetails.of(astarte.pairingUrl()))
            .run(context -> {
                assertThat(context).hasNotFailed().doesNotHaveBean(PropertiesAstarteConnectionDetails.class);
                AstarteDevice device = context.getBean(AstarteDevice.class);
                await().atMost(WAIT).until(device::isConnected);
                assertThat(astarte.isRegistered(deviceId)).isTrue();
                device.send("org.example.Sensors", "/hall/temperature", 21.0).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(astarte.awaitMessages(deviceId, m -> m.kind() == DeviceMessage.Kind.DATA, 1, WAIT).get(0)
                    .value()).isEqualTo(21.0);
            });
    }

    @Test
    void aServerInterfaceRemovedBetweenTwoStartsIsUnsubscribedFromTheSessionTheBrokerKept() {
        String deviceId = AstarteDeviceIds.random();
        String clientId = astarte.clientId(deviceId);
        String commandTopic = clientId + "/org.example.Commands/42/run";
        byte[] command = AstartePayloads.bson("blink", null);
        runner(deviceId).run(context -> {
            assertThat(context).hasNotFailed();
            // Acknowledged only once the handshake is complete, and so stored for the next start.
            context.getBean(AstarteDevice.class).send("org.example.Sensors", "/hall/temperature", 19.5)
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(astarte.broker().publishToClient(clientId, commandTopic, command, 2)).isTrue();
        });
        // The next start no longer declares the server-owned org.example.Commands; the broker kept the session.
        runner(deviceId, "iot.astarte.interfaces=classpath:astarte/interfaces/org.example.Sensors.json,"
                + "classpath:astarte/interfaces/org.example.Config.json")
            .run(context -> {
                assertThat(context).hasNotFailed();
                await().atMost(WAIT).until(() -> astarte.introspection(deviceId).keySet()
                    .equals(Set.of("org.example.Sensors", "org.example.Config")));
                astarte.broker().awaitUnsubscribes(u -> u.clientId().equals(clientId)
                        && u.filters().contains(clientId + "/org.example.Commands/#"), 1, WAIT);
                assertThat(astarte.broker().unsubscribes().stream().filter(u -> u.clientId().equals(clientId))
                    .flatMap(u -> u.filters().stream())).containsExactly(clientId + "/org.example.Commands/#");
                assertThat(astarte.broker().publishToClient(clientId, commandTopic, command, 2))
                    .as("Astarte's publish on the removed interface reaches the device").isFalse();
                assertThat(astarte.broker().publishToClient(clientId, clientId + "/org.example.Config/rate/value",
                        AstartePayloads.bson(5L, null), 2)).as("a server interface still declared").isTrue();
            });
    }

    @Test
    void pairsOverHttpsTrustingThePairingApisCertificateThroughTheBundle() {
        // The real Pairing API is https: the bundle that trusts the broker's CA must serve pairing too.
        try (AstarteEmulator secure = AstarteEmulator.builder().realm("test").httpsPairing(true).start()) {
            secure.installInterfaces("classpath*:astarte/interfaces/*.json");
            assertThat(secure.pairingUrl()).startsWith("https://");
            String deviceId = AstarteDeviceIds.random();
            SharedAstarteEmulator.runner(secure, deviceId, this.directory).run(context -> {
                AstarteDevice device = context.getBean(AstarteDevice.class);
                await().atMost(WAIT).until(device::isConnected);
                assertThat(secure.isRegistered(deviceId)).isTrue();
                assertThat(secure.certificates(deviceId)).isNotEmpty();
                device.send("org.example.Sensors", "/hall/temperature", 22.5).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(secure.awaitMessages(deviceId, m -> m.kind() == DeviceMessage.Kind.DATA, 1, WAIT)).hasSize(1);
            });
        }
    }

    private ApplicationContextRunner runner(String deviceId, String... extra) {
        return SharedAstarteEmulator.runner(deviceId, this.directory, extra);
    }

    @Configuration(proxyBeanMethods = false)
    static class Listeners {

        final List<AstarteServerEvent> commands = new CopyOnWriteArrayList<>();

        final List<IotConnectionStateChangedEvent> connected = new CopyOnWriteArrayList<>();

        @AstarteListener(interfaceName = "org.example.Commands")
        void onCommand(AstarteServerEvent event) {
            this.commands.add(event);
        }

        @Bean
        ApplicationListener<IotConnectionStateChangedEvent> connectionEvents() {
            return this.connected::add;
        }
    }
}
