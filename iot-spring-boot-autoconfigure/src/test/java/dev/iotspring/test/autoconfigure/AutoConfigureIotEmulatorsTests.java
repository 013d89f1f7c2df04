package dev.iotspring.test.autoconfigure;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.iotspring.astarte.AstarteDevice;
import dev.iotspring.astarte.autoconfigure.AstarteAutoConfiguration;
import dev.iotspring.astarte.autoconfigure.AstarteConnectionDetails;
import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.spotflow.SpotflowSender;
import dev.iotspring.spotflow.autoconfigure.SpotflowAutoConfiguration;
import dev.iotspring.spotflow.autoconfigure.SpotflowConnectionDetails;
import dev.iotspring.stellanow.StellaNowOperations;
import dev.iotspring.stellanow.autoconfigure.StellaNowAutoConfiguration;
import dev.iotspring.stellanow.autoconfigure.StellaNowConnectionDetails;
import dev.iotspring.stellmap.StellMapRegistry;
import dev.iotspring.stellmap.autoconfigure.StellMapAutoConfiguration;
import dev.iotspring.stellmap.autoconfigure.StellMapConnectionDetails;
import dev.iotspring.streamsea.FieldType;
import dev.iotspring.streamsea.SchemaDefinition;
import dev.iotspring.streamsea.StreamSeaOperations;
import dev.iotspring.streamsea.autoconfigure.StreamSeaAutoConfiguration;
import dev.iotspring.streamsea.autoconfigure.StreamSeaConnectionDetails;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * {@link AutoConfigureIotEmulators} on a small application per platform: the application configures only what
 * is its own (the switch, its identity), the annotation starts the platform's emulator and points the platform at
 * it, and the test reads what the emulator recorded.
 */
class AutoConfigureIotEmulatorsTests {

    static final Duration WAIT = Duration.ofSeconds(30);

    static final String STORAGE = "iot.storage.directory=target/iot-emulators-tests";

    @Nested
    @SpringBootTest(classes = StreamSeaApplication.class, webEnvironment = WebEnvironment.NONE, properties = { "iot.stream-sea.enabled=true",
            "iot.stream-sea.client-id=orders", "iot.stream-sea.client-secret=s3cr3t", STORAGE })
    @AutoConfigureIotEmulators
    class StreamSea {

        @Autowired
        StreamSeaOperations streamSea;

        @Autowired
        IotEmulators emulators;

        @Autowired
        StreamSeaConnectionDetails details;

        @Autowired
        Environment environment;

        @Test
        void publishesReachTheEmulatorThroughItsConnectionDetails() {
            this.streamSea.defineStream(SchemaDefinition.builder("orders", 1).field("id", FieldType.INTEGER).build());
            this.streamSea.publish("orders", Map.of("id", 7)).join();

            assertThat(this.emulators.streamSea().acceptedMessages("orders"))
                .singleElement()
                .satisfies((message) -> assertThat(message.path("id").asInt()).isEqualTo(7));
            assertThat(this.details.port()).isEqualTo(this.emulators.streamSea().port());
            assertThat(this.details.toString()).doesNotContain("s3cr3t");
            // No property names the server: the connection details bean did.
            assertThat(this.environment.containsProperty("iot.stream-sea.remote-host")).isFalse();
            assertThat(this.emulators.platforms()).containsExactly("stream-sea");
            assertThatIllegalStateException().isThrownBy(this.emulators::stellaNow)
                .withMessageContaining("iot.stellanow.enabled=true");
        }
    }

    @Nested
    @SpringBootTest(classes = StellMapApplication.class, webEnvironment = WebEnvironment.NONE, properties = { "iot.stellmap.enabled=true",
            "iot.stellmap.namespace=test", "iot.stellmap.service=shop.orders.api", "iot.stellmap.port=8080", STORAGE })
    @AutoConfigureIotEmulators
    class StellMap {

        @Autowired
        StellMapRegistry registry;

        @Autowired
        IotEmulators emulators;

        @Autowired
        StellMapConnectionDetails details;

        @Test
        void theApplicationRegistersInTheEmulator() {
            assertThat(this.details.serverUrls()).singleElement().hasToString(this.emulators.stellMap().url());
            // Only the enabled platform's emulator runs.
            assertThat(this.emulators.platforms()).containsExactly("stellmap");
            await().atMost(WAIT).until(() -> !this.emulators.stellMap().instances().isEmpty());
            assertThat(this.emulators.stellMap().instances()).singleElement()
                .satisfies((instance) -> assertThat(instance.namespace()).isEqualTo("test"));
            await().atMost(WAIT).until(this.registry::isConnected);
        }
    }

    @Nested
    @SpringBootTest(classes = StellaNowApplication.class, webEnvironment = WebEnvironment.NONE, properties = { "iot.stellanow.enabled=true",
            "iot.stellanow.organization-id=5d4a7c3e-0b1f-4c8e-9a2d-6f3b1e0c7d21",
            "iot.stellanow.project-id=0c9e8d7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f",
            // Nothing listens there: only the connection details bean can lead to the emulator.
            "iot.stellanow.broker-url=mqtt://127.0.0.1:1", "iot.stellanow.api-base-url=http://127.0.0.1:1", STORAGE })
    @AutoConfigureIotEmulators
    class StellaNow {

        @Autowired
        StellaNowOperations stellaNow;

        @Autowired
        IotEmulators emulators;

        @Autowired
        StellaNowConnectionDetails details;

        @Test
        void theApplicationConnectsToTheEmulatorWithItsOwnOrganization() {
            assertThat(this.details.brokerUrl()).hasToString(this.emulators.stellaNow().tcpUrl());
            assertThat(this.details.apiBaseUrl()).hasToString(this.emulators.stellaNow().apiBaseUrl());
            assertThat(this.emulators.platforms()).containsExactly("stellanow");
            await().atMost(WAIT).until(this.stellaNow::isConnected);
            assertThat(this.emulators.stellaNow().organizationId())
                .hasToString("5d4a7c3e-0b1f-4c8e-9a2d-6f3b1e0c7d21");
            assertThat(this.emulators.stellaNow().connects()).isNotEmpty();
        }
    }

    @Nested
    @SpringBootTest(classes = AstarteApplication.class, webEnvironment = WebEnvironment.NONE, properties = { "iot.astarte.enabled=true",
            "iot.astarte.interfaces=classpath:astarte/interfaces/org.example.Sensors.json",
            "iot.astarte.pairing-url=http://127.0.0.1:1/pairing", STORAGE })
    @AutoConfigureIotEmulators
    class Astarte {

        @Autowired
        AstarteDevice device;

        @Autowired
        IotEmulators emulators;

        @Autowired
        AstarteConnectionDetails details;

        @Test
        void theDevicePairsWithTheEmulatorAndDeclaresItsInterfaces() {
            assertThat(this.details.pairingUrl()).hasToString(this.emulators.astarte().pairingUrl());
            assertThat(this.emulators.platforms()).containsExactly("astarte");
            await().atMost(WAIT).until(this.device::isConnected);
            assertThat(this.emulators.astarte().isRegistered(this.device.getDeviceId())).isTrue();
            await().atMost(WAIT)
                .until(() -> this.emulators.astarte().introspection(this.device.getDeviceId())
                    .containsKey("org.example.Sensors"));
        }
    }

    @Nested
    @SpringBootTest(classes = SpotflowApplication.class, webEnvironment = WebEnvironment.NONE, properties = { "iot.spotflow.enabled=true",
            "iot.spotflow.device-id=press-7", "iot.spotflow.provisioning-poll-interval=200ms",
            "iot.spotflow.instance=http://127.0.0.1:1", "iot.spotflow.mqtt-port=1", STORAGE })
    @AutoConfigureIotEmulators
    class Spotflow {

        @Autowired
        SpotflowSender sender;

        @Autowired
        IotEmulators emulators;

        @Autowired
        SpotflowConnectionDetails details;

        @Test
        void theDeviceIsProvisionedAndItsMessageRecorded() {
            assertThat(this.details.instance()).isEqualTo(this.emulators.spotflow().url());
            assertThat(this.details.mqttPort()).isEqualTo(this.emulators.spotflow().mqttPort());
            assertThat(this.emulators.platforms()).containsExactly("spotflow");
            await().atMost(WAIT).until(this.sender::isConnected);
            this.sender.sendMessage("{\"pressure\":7}");
            assertThat(this.emulators.spotflow().awaitStreamMessages(1, WAIT)).isNotEmpty();
            assertThat(this.emulators.spotflow().devices()).contains("press-7");
        }
    }

    @SpringBootConfiguration
    @ImportAutoConfiguration({ IotCoreAutoConfiguration.class, StreamSeaAutoConfiguration.class })
    static class StreamSeaApplication {

    }

    @SpringBootConfiguration
    @ImportAutoConfiguration({ IotCoreAutoConfiguration.class, StellMapAutoConfiguration.class })
    static class StellMapApplication {

    }

    @SpringBootConfiguration
    @ImportAutoConfiguration({ IotCoreAutoConfiguration.class, StellaNowAutoConfiguration.class })
    static class StellaNowApplication {

    }

    @SpringBootConfiguration
    @ImportAutoConfiguration({ SslAutoConfiguration.class, IotCoreAutoConfiguration.class, AstarteAutoConfiguration.class })
    static class AstarteApplication {

    }

    @SpringBootConfiguration
    @ImportAutoConfiguration({ IotCoreAutoConfiguration.class, SpotflowAutoConfiguration.class })
    static class SpotflowApplication {

    }
}
