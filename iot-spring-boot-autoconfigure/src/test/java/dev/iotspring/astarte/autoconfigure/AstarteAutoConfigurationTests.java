package dev.iotspring.astarte.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.astarte.AstarteDevice;
import dev.iotspring.astarte.AstarteDeviceClient;
import dev.iotspring.astarte.AstarteDeviceIds;
import dev.iotspring.astarte.AstarteDeviceSettings;
import dev.iotspring.astarte.AstarteInterfaces;
import dev.iotspring.astarte.AstarteListener;
import dev.iotspring.astarte.AstarteServerEvent;
import dev.iotspring.core.autoconfigure.AbsentLibrary;
import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.config.IotConfigurationException;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.mockito.Mockito.mock;

@ExtendWith(OutputCaptureExtension.class)
class AstarteAutoConfigurationTests {

    private static final String SECRET = "TTkd5OgB13X/3qU0LXU7OCxyTXz5QHM2NY1IgidtPOs=";

    @TempDir
    Path directory;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class, AstarteAutoConfiguration.class));

    // Nothing listens on port 1: pairing retries in the background, which is all these tests need.
    private ApplicationContextRunner enabled() {
        return this.runner.withPropertyValues("iot.astarte.enabled=true", "iot.astarte.realm=test",
                "iot.astarte.pairing-url=http://127.0.0.1:1/pairing", "iot.astarte.device-id=mT56ik-VWRqYOYveajVUtg",
                "iot.astarte.credentials-secret=" + SECRET, "iot.storage.directory=" + this.directory,
                "iot.shutdown.drain-timeout=100ms");
    }

    @Test
    void inactiveUnlessEnabledOrWithoutItsLibraries() {
        this.runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(AstarteDevice.class));
        enabled().withClassLoader(AbsentLibrary.without("org.bson"))
            .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(AstarteDevice.class));
    }

    @Test
    void activeWithDeviceInterfacesHealthAndMeters() {
        enabled().run(context -> {
            assertThat(context).hasNotFailed()
                .hasSingleBean(AstarteDevice.class)
                .hasSingleBean(AstarteInterfaces.class)
                .hasBean("astarteHealthIndicator")
                .hasBean("astarteDeliveryMetrics");
            AstarteDevice device = context.getBean(AstarteDevice.class);
            assertThat(device.getDeviceId()).isEqualTo("mT56ik-VWRqYOYveajVUtg");
            assertThat(device.isConnected()).isFalse();
            assertThat(context.getBean(AstarteInterfaces.class).get("org.example.Sensors")).isPresent();
            assertThat(((AstarteDeviceClient) device).isRunning()).isTrue();
            HealthIndicator health = context.getBean("astarteHealthIndicator", HealthIndicator.class);
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            assertThat(health.health().getDetails()).containsEntry("paired", true).containsEntry("connected", false)
                .containsEntry("queued", 0);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean("astarteDeliveryMetrics", MeterBinder.class).bindTo(registry);
            assertThat(registry.get("iot.connection.state").tag("platform", "astarte").gauge().value()).isZero();
            assertThat(registry.get("iot.queue.size").tags("platform", "astarte", "queue", "stored").gauge().value())
                .isZero();
            assertThat(registry.get("iot.messages.sent").tags("platform", "astarte", "queue", "volatile")
                .functionCounter().count()).isZero();
            assertThat(this.directory.resolve("astarte.db")).exists();
        });
    }

    @Test
    void aStoreThatCannotBeOpenedIsLoggedPutsHealthDownAndFailsEverySend(CapturedOutput output) throws Exception {
        // A directory where the SQLite file belongs: the store fails to open, in the background.
        Files.createDirectories(this.directory.resolve("astarte.db"));
        enabled().run(context -> {
            assertThat(context).hasNotFailed();
            AstarteDevice device = context.getBean(AstarteDevice.class);
            HealthIndicator health = context.getBean("astarteHealthIndicator", HealthIndicator.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> health.health().getStatus().equals(Status.DOWN));
            assertThat(health.health().getDetails()).containsEntry("connected", false).containsKey("lastError");
            // Logged once, by the core DeferredStore, on the opening thread.
            await().atMost(Duration.ofSeconds(30))
                .until(() -> output.toString().contains("Could not open the astarte store"));
            for (ThrowingCallable call : List.<ThrowingCallable>of(
                    () -> device.send("org.example.Sensors", "/a/temperature", 21.5),
                    () -> device.send("org.example.Sensors", "/a/samples", new double[] { 1.0 }),
                    () -> device.setProperty("org.example.Settings", "/firmware/version", "1.2"))) {
                assertThatThrownBy(call).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("iot.storage.directory").hasMessageContaining("astarte.db")
                    .cause().isNotNull();
            }
        });
    }

    @Test
    void deviceIdFromNamespaceAndData() {
        enabled().withPropertyValues("iot.astarte.device-id=", "iot.astarte.device-id-namespace=f79ad91f-c638-4889-ae74-9d001a3b4cf8",
                "iot.astarte.device-id-data=98:75:a8:0d:96:db")
            .run(context -> assertThat(context.getBean(AstarteDevice.class).getDeviceId())
                .isEqualTo("mT56ik-VWRqYOYveajVUtg"));
    }

    @Test
    void backsOffForAnApplicationsOwnDevice() {
        AstarteDevice stub = mock(AstarteDevice.class);
        enabled().withBean(AstarteDevice.class, () -> stub).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(AstarteDeviceClient.class);
            assertThat(context.getBean(AstarteDevice.class)).isSameAs(stub);
            assertThat(context.getBean("astarteHealthIndicator", HealthIndicator.class).health().getStatus())
                .isEqualTo(Status.UNKNOWN);
        });
    }

    @Test
    void customizersAdjustTheSettings() {
        List<String> seen = new CopyOnWriteArrayList<>();
        enabled().withBean(AstarteCustomizer.class, () -> b -> seen.add(b.build().deviceId()))
            .run(context -> assertThat(seen).containsExactly("mT56ik-VWRqYOYveajVUtg"));
    }

    @Test
    void astarteListenerMethodsAreRegistered() {
        enabled().withUserConfiguration(ListenerConfig.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(ListenerBean.class)).isNotNull();
        });
        enabled().withUserConfiguration(BadListenerConfig.class)
            .run(context -> assertThat(context).hasFailed().getFailure()
                .hasStackTraceContaining("must take exactly one AstarteServerEvent"));
    }

    @Test
    void invalidConfigurationFailsNamingTheProperty() {
        enabled().withPropertyValues("iot.astarte.realm=").run(context -> assertThat(context).getFailure()
            .rootCause().isInstanceOf(IotConfigurationException.class).hasMessageContaining("'iot.astarte.realm'"));
        enabled().withPropertyValues("iot.astarte.device-id=abc").run(context -> assertThat(context).getFailure()
            .rootCause().hasMessageContaining("'iot.astarte.device-id': must be 22 characters"));
        enabled().withPropertyValues("iot.astarte.pairing-url=ftp://x").run(context -> assertThat(context)
            .getFailure().rootCause().hasMessageContaining("'iot.astarte.pairing-url': must be an http or https URL"));
        enabled().withPropertyValues("iot.astarte.queue.in-flight=101").run(context -> assertThat(context)
            .getFailure().rootCause().hasMessageContaining("'iot.astarte.queue.in-flight'"));
        enabled().withPropertyValues("iot.astarte.interfaces=classpath:astarte/bad/*.json")
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("'iot.astarte.interfaces'")
                .hasMessageContaining("broken.json")
                .hasMessageContaining("field mappings[0].type"));
        enabled().withPropertyValues("iot.astarte.credentials-secret=")
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("'iot.astarte.credentials-secret'"));
    }

    @Test
    void queueTypeAndOrderFailTheStartBecauseEachMappingsRetentionDecides() {
        for (String type : List.of("durable", "memory")) {
            enabled().withPropertyValues("iot.astarte.queue.type=" + type).run(context -> assertThat(context)
                .getFailure().rootCause().isInstanceOf(IotConfigurationException.class)
                .hasMessageContaining("'iot.astarte.queue.type': does not apply to Astarte")
                .hasMessageContaining("retention"));
        }
        enabled().withPropertyValues("iot.astarte.queue.order=lifo").run(context -> assertThat(context).getFailure()
            .rootCause().isInstanceOf(IotConfigurationException.class)
            .hasMessageContaining("'iot.astarte.queue.order': must be fifo for Astarte"));
        // What Astarte does anyway is accepted.
        enabled().withPropertyValues("iot.astarte.queue.order=fifo", "iot.astarte.queue.overflow=drop-oldest")
            .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aBadRealmKeyFailsWithoutShowingIt() {
        String key = "-----BEGIN PRIVATE KEY-----\nbm90LWEta2V5\n-----END PRIVATE KEY-----";
        enabled().withPropertyValues("iot.astarte.credentials-secret=", "iot.astarte.pairing.private-key=" + key)
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("'iot.astarte.pairing.private-key'")
                .hasMessageNotContaining("bm90LWEta2V5"));
    }

    @Test
    void secretsNeverAppearInPropertiesOrLogs(CapturedOutput output) {
        enabled().withPropertyValues("iot.astarte.pairing.jwt=eyJhbGciOiJFUzI1NiJ9.e30.c2ln").run(context -> {
            String text = context.getBean(AstarteProperties.class).toString();
            assertThat(text).doesNotContain(SECRET).doesNotContain("eyJhbGciOiJFUzI1NiJ9").contains("******");
            assertThat(context.getBean(AstarteDeviceClient.class).toString()).doesNotContain(SECRET);
        });
        assertThat(output).doesNotContain(SECRET).doesNotContain("eyJhbGciOiJFUzI1NiJ9");
    }

    @Test
    void ignoringSslErrorsIsWarnedAtStart(CapturedOutput output) {
        enabled().withPropertyValues("iot.astarte.ignore-ssl-errors=true")
            .run(context -> assertThat(context).hasNotFailed());
        assertThat(output).contains("iot.astarte.ignore-ssl-errors is true");
    }

    @Test
    void settingsToStringMasksTheSecret() {
        AstarteDeviceSettings settings = AstarteDeviceSettings
            .builder("test", AstarteDeviceIds.random(), AstarteInterfaces.of(List.of()))
            .credentialsSecret(SECRET)
            .build();
        assertThat(settings.toString()).doesNotContain(SECRET).contains("******");
    }

    @Configuration(proxyBeanMethods = false)
    static class ListenerConfig {

        @Bean
        ListenerBean listenerBean() {
            return new ListenerBean();
        }
    }

    static class ListenerBean {

        final List<AstarteServerEvent> events = new CopyOnWriteArrayList<>();

        @AstarteListener(interfaceName = "org.example.Commands")
        void onCommand(AstarteServerEvent event) {
            this.events.add(event);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class BadListenerConfig {

        @Bean
        BadListener badListener() {
            return new BadListener();
        }
    }

    static class BadListener {

        @AstarteListener(interfaceName = "org.example.Commands")
        void onCommand(String wrong) {
        }
    }
}
