package dev.iotspring.stellanow.autoconfigure;

import java.time.Duration;
import java.util.UUID;

import io.micrometer.core.instrument.binder.MeterBinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.core.autoconfigure.ConfigurationMetadataDefaults;
import dev.iotspring.core.autoconfigure.OutboundQueueProperties;
import dev.iotspring.core.queue.QueueOrder;
import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttConnectionSettings;
import dev.iotspring.core.mqtt.MqttReconnectBackoff;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.stellanow.OidcTokenSource;
import dev.iotspring.stellanow.StellaNowEnvelopeCodec;
import dev.iotspring.stellanow.StellaNowEnvironment;
import dev.iotspring.stellanow.StellaNowTemplate;

import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class StellaNowAutoConfigurationTests {

    static final String ORG = "0f5a2c9e-3b1d-4c7a-9e2f-8a6b5c4d3e21";

    static final String PROJECT = "7c1e4b2a-9d3f-4e8a-b6c5-1a2b3c4d5e6f";

    // Nothing listens on port 1: the connection retries in the background, which is all these tests need.
    final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class, StellaNowAutoConfiguration.class));

    final ApplicationContextRunner enabled = this.runner.withPropertyValues("iot.stellanow.enabled=true",
            "iot.stellanow.organization-id=" + ORG, "iot.stellanow.project-id=" + PROJECT,
            "iot.stellanow.broker-url=mqtt://127.0.0.1:1", "iot.stellanow.auth.strategy=none",
            "iot.shutdown.drain-timeout=100ms");

    @Test
    void inactiveUnlessEnabled() {
        this.runner.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(StellaNowTemplate.class));
        this.runner.withPropertyValues("iot.stellanow.enabled=false", "iot.stellanow.organization-id=nonsense")
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(StellaNowTemplate.class));
    }

    @Test
    void inactiveWithoutPaho() {
        this.enabled.withClassLoader(new FilteredClassLoader("org.eclipse.paho.client.mqttv3"))
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(StellaNowTemplate.class));
    }

    @Test
    void activeWithTemplateQueueDispatcherHealthAndMeters() {
        this.enabled.run((context) -> {
            assertThat(context).hasNotFailed()
                .hasSingleBean(StellaNowTemplate.class)
                .hasSingleBean(StellaNowEnvelopeCodec.class)
                .hasSingleBean(StellaNowHealthIndicator.class)
                .hasBean("stellaNowDeliveryMetrics")
                .hasBean("stellaNowConnectionMetrics")
                .doesNotHaveBean(OidcTokenSource.class);
            assertThat(context.getBeansOfType(MeterBinder.class)).hasSize(2);
            assertThat(context.getBean("stellaNowOutboundQueue")).isInstanceOf(InMemoryQueue.class);
            assertThat(context.getBean("stellaNowDispatcher", Dispatcher.class).isRunning()).isTrue();
            // Internal beans are no default candidates: an application's own MqttConnection or queue stays
            // the one injected by type.
            for (String name : new String[] { "stellaNowMqttConnection", "stellaNowOutboundQueue", "stellaNowDispatcher" }) {
                assertThat(((AbstractBeanDefinition) context.getBeanFactory().getBeanDefinition(name)).isDefaultCandidate())
                    .as(name)
                    .isFalse();
            }
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            assertThat(template.topic()).isEqualTo("in/" + ORG);
            assertThat(template.isConnected()).isFalse();
        });
    }

    @Test
    void healthIndicatorCanBeSwitchedOff() {
        this.enabled.withPropertyValues("management.health.stellanow.enabled=false")
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(StellaNowHealthIndicator.class));
    }

    @Test
    void oidcStrategyCreatesTheTokenSource() {
        this.enabled
            .withPropertyValues("iot.stellanow.auth.strategy=oidc", "iot.stellanow.auth.username=u",
                    "iot.stellanow.auth.password=p", "iot.stellanow.api-base-url=http://127.0.0.1:1")
            .run((context) -> assertThat(context).hasNotFailed().hasSingleBean(OidcTokenSource.class));
    }

    @Test
    void backsOffFromTheApplicationsBeans() {
        this.enabled.withUserConfiguration(OwnCodec.class).run((context) -> {
            assertThat(context).hasNotFailed().hasSingleBean(StellaNowEnvelopeCodec.class);
            assertThat(context.getBean(StellaNowEnvelopeCodec.class)).isSameAs(OwnCodec.CODEC);
            assertThat(context.getBean(StellaNowTemplate.class).topic()).isEqualTo("in/" + OwnCodec.ORG);
        });
    }

    @Test
    void bindsEveryProperty() {
        this.enabled
            .withPropertyValues("iot.stellanow.environment=dev", "iot.stellanow.client-id= my-client-1 ",
                    "iot.stellanow.keep-alive=7s", "iot.stellanow.connect-timeout=3s", "iot.stellanow.queue.order=lifo",
                    "iot.stellanow.queue.max-size=50", "iot.stellanow.queue.overflow=drop-oldest",
                    "iot.stellanow.queue.in-flight=5", "iot.stellanow.reconnect.initial-delay=250ms",
                    "iot.stellanow.reconnect.max-delay=20s", "iot.stellanow.reconnect.multiplier=3",
                    "iot.stellanow.reconnect.jitter=0", "iot.stellanow.auth.oidc-client-id=other",
                    "iot.stellanow.auth.refresh-before-expiry=15s", "iot.stellanow.auth.reconnect-on-refresh=false")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                StellaNowProperties properties = context.getBean(StellaNowProperties.class);
                assertThat(properties.getEnvironment()).isEqualTo(StellaNowEnvironment.DEV);
                assertThat(properties.effectiveApiBaseUrl()).hasToString("https://api.dev.stella.cloud");
                assertThat(properties.getQueue().getOverflow().name()).isEqualTo("DROP_OLDEST");
                assertThat(properties.getAuth().getOidcClientId()).isEqualTo("other");
                assertThat(properties.getAuth().getRefreshBeforeExpiry()).isEqualTo(Duration.ofSeconds(15));
                assertThat(properties.getAuth().isReconnectOnRefresh()).isFalse();
                MqttConnectionSettings settings = context.getBean("stellaNowMqttConnection", MqttConnection.class)
                    .settings();
                assertThat(settings.clientId()).isEqualTo("my-client-1");
                assertThat(settings.keepAlive()).isEqualTo(Duration.ofSeconds(7));
                assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
                assertThat(settings.maxInflight()).isEqualTo(5);
                assertThat(settings.cleanSession()).isTrue();
                assertThat(settings.endpoint().url()).isEqualTo("mqtt://127.0.0.1:1");
                assertThat(settings.backoff())
                    .isEqualTo(new MqttReconnectBackoff(Duration.ofMillis(250), Duration.ofSeconds(20), 3.0, 0.0));
                assertThat(context.getBean("stellaNowDispatcher", Dispatcher.class).getWindow()).isEqualTo(5);
            });
    }

    @Test
    void reconnectDelaysFollowTheConfiguredSchedule() {
        // Virtual time: the schedule the connection uses, computed rather than waited for.
        this.enabled.run((context) -> {
            MqttReconnectBackoff backoff = context.getBean("stellaNowMqttConnection", MqttConnection.class)
                .settings()
                .backoff();
            assertThat(backoff).isEqualTo(new MqttReconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 2.0, 0.2));
            assertThat(java.util.stream.IntStream.range(0, 8).mapToObj(backoff::baseDelay).map(Duration::toSeconds))
                .containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L);
            assertThat(backoff.delay(3, () -> 0.999)).isBetween(Duration.ofMillis(6400), Duration.ofSeconds(8));
        });
    }

    @Test
    void generatedClientIdsAreUniqueUrlSafeAndLogged(CapturedOutput output) {
        String[] ids = new String[2];
        this.enabled.run((first) -> {
            ids[0] = first.getBean("stellaNowMqttConnection", MqttConnection.class).settings().clientId();
            this.enabled.run((second) -> ids[1] = second.getBean("stellaNowMqttConnection", MqttConnection.class)
                .settings()
                .clientId());
        });
        assertThat(ids[0]).matches("^StellaNowJvm_[A-Za-z0-9_-]{10}$").hasSizeLessThanOrEqualTo(23);
        assertThat(ids[1]).matches("^StellaNowJvm_[A-Za-z0-9_-]{10}$").isNotEqualTo(ids[0]);
        assertThat(output).contains("StellaNow client id is \"" + ids[0] + "\"");
    }

    @Test
    void environmentsHaveTheSdkDefaultUrls() {
        StellaNowProperties properties = new StellaNowProperties();
        assertThat(properties.effectiveBrokerUrl()).hasToString("wss://ingestor.prod.stella.cloud:8083/mqtt");
        assertThat(properties.effectiveApiBaseUrl()).hasToString("https://api.prod.stella.cloud");
        properties.setEnvironment(StellaNowEnvironment.DEV);
        assertThat(properties.effectiveBrokerUrl()).hasToString("wss://ingestor.dev.stella.cloud:8083/mqtt");
        properties.setEnvironment(StellaNowEnvironment.LOCAL);
        assertThat(properties.effectiveBrokerUrl()).hasToString("mqtt://localhost:1883");
        assertThat(properties.effectiveApiBaseUrl()).isNull();
        properties.setApiBaseUrl(java.net.URI.create("https://idp.example.com/"));
        assertThat(properties.effectiveApiBaseUrl()).hasToString("https://idp.example.com");
    }

    @Test
    void missingOrganizationIdFailsNamingTheProperty() {
        this.runner.withPropertyValues("iot.stellanow.enabled=true", "iot.stellanow.project-id=" + PROJECT)
            .run((context) -> assertFailure(context, "iot.stellanow.organization-id", "required"));
    }

    @Test
    void queueDefaultsInTheMetadataAreTheBoundOnes() {
        StellaNowProperties.Queue queue = new StellaNowProperties().getQueue();
        assertThat(ConfigurationMetadataDefaults.defaultValue("iot.stellanow.queue.max-size"))
            .isEqualTo(String.valueOf(queue.getMaxSize())).isEqualTo("0");
        assertThat(ConfigurationMetadataDefaults.defaultValue("iot.stellanow.queue.in-flight"))
            .isEqualTo(String.valueOf(queue.getInFlight())).isEqualTo("100");
        assertThat(ConfigurationMetadataDefaults.defaultValue("iot.stellanow.queue.overflow")).isEqualTo("raise-exception");
        assertThat(ConfigurationMetadataDefaults.defaultValue("iot.stellanow.queue.type")).isEqualTo("memory");
        assertThat(queue.getType()).isEqualTo(OutboundQueueProperties.Type.MEMORY);
        assertThat(ConfigurationMetadataDefaults.defaultValue("iot.stellanow.queue.order")).isEqualTo("fifo");
        assertThat(queue.getOrder()).isEqualTo(QueueOrder.FIFO);
        assertThat(ConfigurationMetadataDefaults.defaultValue("iot.stellanow.queue.retry.max-delay"))
            .isEqualTo(queue.getRetry().getMaxDelay().toSeconds() + "s").isEqualTo("5s");
    }

    @Test
    void invalidValuesFailNamingTheProperty() {
        this.enabled.withPropertyValues("iot.stellanow.project-id=project-1")
            .run((context) -> assertFailure(context, "iot.stellanow.project-id", "UUID"));
        this.enabled.withPropertyValues("iot.stellanow.broker-url=http://broker.example.com")
            .run((context) -> assertFailure(context, "iot.stellanow.broker-url", "mqtt://"));
        this.enabled.withPropertyValues("iot.stellanow.queue.max-size=-1")
            .run((context) -> assertFailure(context, "iot.stellanow.queue.max-size", "unbounded"));
        this.enabled.withPropertyValues("iot.stellanow.client-id= ")
            .run((context) -> assertFailure(context, "iot.stellanow.client-id", "blank"));
        this.enabled.withPropertyValues("iot.stellanow.reconnect.max-delay=10ms")
            .run((context) -> assertFailure(context, "iot.stellanow.reconnect.max-delay", "initial-delay"));
        this.enabled.withPropertyValues("iot.stellanow.ssl.bundle=missing", "iot.stellanow.broker-url=mqtts://127.0.0.1:1")
            .run((context) -> assertFailure(context, "iot.stellanow.ssl.bundle", "missing"));
    }

    @Test
    void credentialsAreRequiredByOidcAndBasic() {
        this.enabled.withPropertyValues("iot.stellanow.auth.strategy=basic", "iot.stellanow.auth.username=u")
            .run((context) -> assertFailure(context, "iot.stellanow.auth.password", "required"));
        this.enabled.withPropertyValues("iot.stellanow.auth.strategy=oidc", "iot.stellanow.auth.password=p")
            .run((context) -> assertFailure(context, "iot.stellanow.auth.username", "required"));
        this.enabled
            .withPropertyValues("iot.stellanow.auth.strategy=oidc", "iot.stellanow.auth.username=u",
                    "iot.stellanow.auth.password=p", "iot.stellanow.environment=local")
            .run((context) -> assertFailure(context, "iot.stellanow.api-base-url", "identity provider"));
    }

    @Test
    void identityProviderOverHttpsNeedsTheNamedSslBundleToo() {
        // Plain MQTT, so only the OIDC client looks the bundle up.
        this.enabled
            .withPropertyValues("iot.stellanow.auth.strategy=oidc", "iot.stellanow.auth.username=u",
                    "iot.stellanow.auth.password=p", "iot.stellanow.api-base-url=https://127.0.0.1:1",
                    "iot.stellanow.ssl.bundle=missing")
            .run((context) -> assertFailure(context, "iot.stellanow.ssl.bundle", "'missing'"));
    }

    @Test
    void secretsStayOutOfToString() {
        StellaNowProperties properties = new StellaNowProperties();
        properties.getAuth().setPassword("hunter2");
        assertThat(properties.toString()).doesNotContain("hunter2").contains("******");
    }

    static void assertFailure(AssertableApplicationContext context, String property, String problem) {
        assertThat(context).hasFailed();
        Throwable failure = context.getStartupFailure();
        while (failure != null && !(failure instanceof IotConfigurationException)) {
            failure = failure.getCause();
        }
        assertThat(failure).as("IotConfigurationException in %s", context.getStartupFailure()).isNotNull();
        IotConfigurationException ex = (IotConfigurationException) failure;
        assertThat(ex.getProperty()).isEqualTo(property);
        assertThat(ex.getProblem()).contains(problem);
        assertThat(ex.getExample()).contains("stellanow");
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnCodec {

        static final UUID ORG = UUID.randomUUID();

        static final StellaNowEnvelopeCodec CODEC = new StellaNowEnvelopeCodec(JsonMapper.builder().build(), ORG,
                UUID.randomUUID());

        @Bean
        StellaNowEnvelopeCodec myCodec() {
            return CODEC;
        }
    }
}
