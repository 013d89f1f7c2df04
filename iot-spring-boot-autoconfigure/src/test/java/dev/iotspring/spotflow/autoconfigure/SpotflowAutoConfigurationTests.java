package dev.iotspring.spotflow.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.core.autoconfigure.AbsentLibrary;
import dev.iotspring.core.autoconfigure.ConfigurationMetadataDefaults;
import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.autoconfigure.OutboundQueueProperties;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.delivery.DeliveryClosedException;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.spotflow.Compression;
import dev.iotspring.spotflow.SpotflowDevice;
import dev.iotspring.spotflow.SpotflowHub;
import dev.iotspring.spotflow.SpotflowProvisioner;
import dev.iotspring.spotflow.SpotflowProvisioningState;
import dev.iotspring.spotflow.SpotflowSender;

import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.mockito.Mockito.mock;

@ExtendWith(OutputCaptureExtension.class)
class SpotflowAutoConfigurationTests {

    @TempDir
    Path storage;

    final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class, SpotflowAutoConfiguration.class));

    // Nothing listens on port 1: provisioning retries in the background, which is all these tests need.
    ApplicationContextRunner enabled() {
        return this.runner.withPropertyValues("iot.spotflow.enabled=true", "iot.spotflow.provisioning-token=pt-secret",
                "iot.spotflow.instance=http://127.0.0.1:1", "iot.storage.directory=" + this.storage,
                "iot.shutdown.drain-timeout=100ms");
    }

    @Test
    void inactiveUnlessEnabled() {
        this.runner.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SpotflowSender.class));
        this.runner.withPropertyValues("iot.spotflow.enabled=false", "iot.spotflow.mqtt-port=-3")
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SpotflowSender.class));
    }

    @Test
    void inactiveWithoutPaho() {
        enabled().withClassLoader(AbsentLibrary.without("org.eclipse.paho.client.mqttv3"))
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SpotflowSender.class));
    }

    @Test
    void activeWithSenderDeviceHealthMetersAndLifecycle() {
        enabled().run((context) -> {
            assertThat(context).hasNotFailed()
                .hasSingleBean(SpotflowSender.class)
                .hasSingleBean(SpotflowDevice.class)
                .hasSingleBean(SpotflowProvisioner.class)
                .hasSingleBean(SpotflowHub.class)
                .hasBean("spotflowHealthIndicator")
                .hasBean("spotflowDeliveryMetrics")
                .hasBean("spotflowConnectionMetrics");
            assertThat(context.getBeansOfType(MeterBinder.class)).hasSize(2);
            assertThat(context.getBean("spotflowDispatcher", Dispatcher.class).isRunning()).isTrue();
            assertThat(context.getBean("spotflowDispatcher", Dispatcher.class).getWindow()).isEqualTo(1);
            assertThat(context.getBean("spotflowDispatcher", Dispatcher.class).getQueue().isDurable()).isTrue();
            assertThat(context.getBean(SpotflowProvisioner.class).isRunning()).isTrue();
            // Internal beans are no default candidates: an application's own beans of those types stay the ones
            // injected by type.
            for (String name : new String[] { "spotflowStore", "spotflowTwin", "spotflowDispatcher",
                    "spotflowReportedDispatcher", "spotflowEventPublisher" }) {
                assertThat(((AbstractBeanDefinition) context.getBeanFactory().getBeanDefinition(name))
                    .isDefaultCandidate()).as(name).isFalse();
            }
            // The SQLite file is made beside the startup, before any registration.
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(this.storage.resolve("spotflow.db")));
        });
    }

    @Test
    void enqueueWorksBeforeTheDeviceIsProvisioned() {
        enabled().run((context) -> {
            SpotflowSender sender = context.getBean(SpotflowSender.class);
            sender.enqueueMessage("{\"t\":1}");
            sender.forStream("g", "s").enqueueMessage("{\"t\":2}");
            sender.enqueueBatchCompletion("b1");
            assertThat(sender.pendingMessagesCount()).isEqualTo(3);
            assertThat(sender.isConnected()).isFalse();
        });
        // The rows outlive the context.
        enabled().run((context) -> assertThat(context.getBean(SpotflowSender.class).pendingMessagesCount())
            .isEqualTo(3));
    }

    @Test
    void aClosedSenderFailsLoudlyAndKeepsWhatWasQueued() {
        SpotflowSender[] kept = new SpotflowSender[1];
        enabled().run((context) -> {
            kept[0] = context.getBean(SpotflowSender.class);
            kept[0].enqueueMessage("queued");
        });
        assertThatThrownBy(() -> kept[0].enqueueMessage("after close")).isInstanceOf(DeliveryClosedException.class);
        enabled().run((context) -> assertThat(context.getBean(SpotflowSender.class).pendingMessagesCount())
            .isEqualTo(1));
    }

    @Test
    void aStoreThatCannotBeOpenedIsHealthDownAndEverySendThrowsNamingTheStorageDirectory(CapturedOutput output)
            throws Exception {
        // A directory where the SQLite file should be: the directory lock is taken, the file cannot be opened.
        Files.createDirectories(this.storage.resolve("spotflow.db"));
        enabled().run((context) -> {
            assertThat(context).hasNotFailed();
            HealthIndicator health = context.getBean("spotflowHealthIndicator", HealthIndicator.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> health.health().getStatus() == Status.DOWN);
            assertThat(health.health().getDetails().get("store").toString()).contains("iot.storage.directory")
                .contains("spotflow.db");
            SpotflowSender sender = context.getBean(SpotflowSender.class);
            assertThatThrownBy(() -> sender.enqueueMessage("x")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("iot.storage.directory");
            assertThatThrownBy(() -> sender.sendMessage("x")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("iot.storage.directory");
            assertThatThrownBy(() -> context.getBean(SpotflowDevice.class).getDesiredProperties())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("iot.storage.directory");
            SpotflowProvisioner provisioner = context.getBean(SpotflowProvisioner.class);
            await().atMost(Duration.ofSeconds(30))
                .until(() -> provisioner.state() == SpotflowProvisioningState.FAILED);
        });
        assertThat(output.getAll().split("Could not open the spotflow store", -1)).hasSize(2);
    }

    @Test
    void metersAreTaggedWithThePlatform() {
        enabled().run((context) -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBeansOfType(MeterBinder.class).values().forEach((b) -> b.bindTo(registry));
            context.getBean(SpotflowSender.class).enqueueMessage("x");
            assertThat(registry.get("iot.queue.size").tag("platform", "spotflow").gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("iot.connection.state").tag("platform", "spotflow").gauge().value()).isZero();
            assertThat(registry.get("iot.messages.sent").tag("platform", "spotflow").functionCounter().count())
                .isZero();
        });
    }

    @Test
    void backsOffForUserBeans() {
        enabled().withUserConfiguration(UserBeans.class).run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(SpotflowSender.class)).isSameAs(context.getBean("mySender"));
            assertThat(context.getBean(SpotflowDevice.class)).isSameAs(context.getBean("myDevice"));
        });
    }

    @Test
    void missingProvisioningTokenFailsNamingTheProperty() {
        this.runner.withPropertyValues("iot.spotflow.enabled=true", "iot.storage.directory=" + this.storage)
            .run((context) -> assertFailure(context, "iot.spotflow.provisioning-token", "required"));
    }

    @Test
    void invalidValuesFailNamingTheProperty() {
        enabled().withPropertyValues("iot.spotflow.mqtt-port=70000")
            .run((context) -> assertFailure(context, "iot.spotflow.mqtt-port", "TCP port"));
        enabled().withPropertyValues("iot.spotflow.queue.type=memory")
            .run((context) -> assertFailure(context, "iot.spotflow.queue.type", "durable"));
        enabled().withPropertyValues("iot.spotflow.queue.in-flight=2")
            .run((context) -> assertFailure(context, "iot.spotflow.queue.in-flight", "between 1 and 1"));
        enabled().withPropertyValues("iot.spotflow.default-stream=temps")
            .run((context) -> assertFailure(context, "iot.spotflow.default-stream-group", "required"));
        enabled().withPropertyValues("iot.spotflow.instance=https://")
            .run((context) -> assertFailure(context, "iot.spotflow.instance", "host"));
        enabled().withPropertyValues("iot.spotflow.reconnect.initial-delay=0s")
            .run((context) -> assertFailure(context, "iot.spotflow.reconnect.initial-delay", "positive"));
        enabled().withPropertyValues("iot.spotflow.ssl.bundle=missing", "iot.spotflow.mqtt-tls=true")
            .run((context) -> assertFailure(context, "iot.spotflow.ssl.bundle", "missing"));
    }

    @Test
    void compressionWithoutBrotliFailsNamingTheProperty() {
        enabled().withPropertyValues("iot.spotflow.compression=fastest")
            .withClassLoader(new FilteredClassLoader("com.aayushatharva.brotli4j"))
            .run((context) -> assertFailure(context, "iot.spotflow.compression", "brotli4j"));
        enabled().withPropertyValues("iot.spotflow.compression=smallest-size")
            .run((context) -> assertThat(context).hasNotFailed().hasSingleBean(SpotflowSender.class));
    }

    @Test
    void defaultsMatchTheMetadataAndTheSpec() {
        SpotflowProperties p = new SpotflowProperties();
        assertThat(p.getInstance()).isEqualTo("api.eu1.spotflow.io");
        assertThat(p.getMqttPort()).isEqualTo(8883);
        assertThat(p.getKeepAlive()).hasSeconds(300);
        assertThat(p.getRequestTimeout()).hasSeconds(10);
        assertThat(p.getProvisioningPollInterval()).hasSeconds(5);
        assertThat(p.getCompression()).isEqualTo(Compression.UNCOMPRESSED);
        assertThat(p.getQueue().getType()).isEqualTo(OutboundQueueProperties.Type.DURABLE);
        assertThat(ConfigurationMetadataDefaults.defaultValue("iot.spotflow.queue.type")).isEqualTo("durable");
        assertThat(ConfigurationMetadataDefaults.defaultValue("iot.spotflow.queue.in-flight"))
            .isEqualTo(String.valueOf(p.getQueue().getInFlight())).isEqualTo("1");
        assertThat(ConfigurationMetadataDefaults.defaultValue("iot.spotflow.queue.max-size")).isEqualTo("0");
        assertThat(ConfigurationMetadataDefaults.defaultValue("iot.spotflow.reconnect.initial-delay"))
            .isEqualTo(p.getReconnect().getInitialDelay().toSeconds() + "s").isEqualTo("5s");
        assertThat(ConfigurationMetadataDefaults.defaultValue("iot.spotflow.reconnect.max-delay")).isEqualTo("5s");
    }

    @Test
    void toStringMasksTheProvisioningToken() {
        enabled().run((context) -> assertThat(context.getBean(SpotflowProperties.class).toString())
            .doesNotContain("pt-secret").contains("provisioningToken=******"));
    }

    @Test
    void fixedConnectionDetailsRefuseWhatTheyCouldNotConnectTo() {
        assertThatThrownBy(() -> SpotflowConnectionDetails.of("api.spotflow.io", 0, true, 443))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mqttPort").hasMessageContaining("0");
        assertThatThrownBy(() -> SpotflowConnectionDetails.of("api.spotflow.io", 8883, true, 70000))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hubHttpPort");
        assertThatThrownBy(() -> SpotflowConnectionDetails.of(" ", 8883, true, 443))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("instance");
        assertThat(SpotflowConnectionDetails.of("api.spotflow.io", 8883, true, 443).mqttPort()).isEqualTo(8883);
    }

    private static void assertFailure(AssertableApplicationContext context, String property, String problem) {
        assertThat(context).hasFailed();
        Throwable failure = context.getStartupFailure();
        while (failure != null && !(failure instanceof IotConfigurationException)) {
            failure = failure.getCause();
        }
        assertThat(failure).as("an IotConfigurationException in %s", context.getStartupFailure()).isNotNull();
        IotConfigurationException ex = (IotConfigurationException) failure;
        assertThat(ex.getProperty()).isEqualTo(property);
        assertThat(ex.getMessage()).containsIgnoringCase(problem);
        assertThat(ex.getMessage() + ex.getExample()).doesNotContain("pt-secret");
    }

    @Configuration(proxyBeanMethods = false)
    static class UserBeans {

        @Bean
        SpotflowSender mySender() {
            return mock(SpotflowSender.class);
        }

        @Bean
        SpotflowDevice myDevice() {
            return mock(SpotflowDevice.class);
        }
    }
}
