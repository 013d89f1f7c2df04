package dev.iotspring.spotflow.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.spotflow.SpotflowSender;
import dev.iotspring.test.spotflow.SpotflowEmulator;
import dev.iotspring.test.tls.TestCertificateAuthority;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The platform's own transport: provisioning over https and the hub over MQTT/TLS, both trusting the CA of
 * {@code iot.spotflow.ssl.bundle} (a private deployment's, or an emulator's), as the real instance is reached
 * with the JVM's trust store. The other integration tests run plain http and MQTT for speed.
 */
class SpotflowTlsIntegrationTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final TestCertificateAuthority CA = TestCertificateAuthority.create("spotflow starter test CA");

    private static SpotflowEmulator emulator;

    @TempDir
    static Path certificates;

    @TempDir
    Path storage;

    @BeforeAll
    static void startEmulator() {
        emulator = SpotflowEmulator.builder().tls(CA).autoApprove(true).start();
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }

    private ApplicationContextRunner runner(String deviceId, String... more) {
        Path ca = CA.writeCertificatePem(certificates.resolve("ca.pem"));
        return SpotflowEmulatorSupport.runner(emulator, this.storage, deviceId)
            .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
            .withPropertyValues("iot.spotflow.mqtt-tls=true",
                    "spring.ssl.bundle.pem.spotflow-ca.truststore.certificate=file:" + ca)
            .withPropertyValues(more);
    }

    @Test
    void provisionsOverHttpsSendsOverMqttTlsAndUploadsOverHttpsTrustingTheBundle() {
        assertThat(emulator.url()).startsWith("https://");
        // Over the 250,000-byte limit and incompressible: it goes through the hub's https file upload.
        byte[] large = new byte[300_000];
        new Random(7).nextBytes(large);
        runner("tls-device-1", "iot.spotflow.ssl.bundle=spotflow-ca").run((context) -> {
            SpotflowSender sender = context.getBean(SpotflowSender.class);
            sender.sendMessage("over tls");
            sender.sendMessage(large);
            assertThat(emulator.awaitStreamMessages(2, TIMEOUT)).satisfiesExactly(
                    (m) -> assertThat(new String(m.body(), StandardCharsets.UTF_8)).isEqualTo("over tls"),
                    (m) -> {
                        assertThat(m.properties()).containsEntry("has-externalized-payload", "true");
                        assertThat(m.body()).isEqualTo(large);
                        assertThat(m.problems()).isEmpty();
                    });
            assertThat(emulator.broker().connects()).last()
                .satisfies((c) -> assertThat(c.info().tls()).as("MQTT over TLS").isTrue());
        });
    }

    @Test
    void withoutTheBundleTheJvmTrustStoreRefusesTheCertificateAndTheMessageWaits() {
        runner("tls-device-2").run((context) -> {
            SpotflowSender sender = context.getBean(SpotflowSender.class);
            sender.enqueueMessage("kept");
            HealthIndicator health = context.getBean("spotflowHealthIndicator", HealthIndicator.class);
            await().atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(health.health().getDetails().get("lastError")).asString()
                    .contains("certification path"));
            assertThat(sender.pendingMessagesCount()).isEqualTo(1);
        });
    }
}
