package dev.iotspring.stellanow.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.UUID;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.binder.MeterBinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.core.autoconfigure.AbsentLibrary;
import dev.iotspring.core.autoconfigure.ConfigurationMetadataDefaults;
import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.autoconfigure.OutboundQueueProperties;
import dev.iotspring.core.autoconfigure.ReconnectProperties;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttConnectionSettings;
import dev.iotspring.core.mqtt.MqttScheduler;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueueOrder;
import dev.iotspring.stellanow.OidcTokenSource;
import dev.iotspring.stellanow.StellaNowEnvelopeCodec;
import dev.iotspring.stellanow.StellaNowEnvironment;
import dev.iotspring.stellanow.SendResult;
import dev.iotspring.stellanow.StellaNowMessage;
import dev.iotspring.stellanow.StellaNowOperations;
import dev.iotspring.stellanow.StellaNowTemplate;

import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
        this.enabled.withClassLoader(AbsentLibrary.without("org.eclipse.paho.client.mqttv3"))
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
    void anApplicationsStellaNowOperationsReplacesTheTemplate() {
        this.enabled.withBean(StellaNowOperations.class, () -> STUB).run((context) -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(StellaNowTemplate.class);
            assertThat(context.getBean(StellaNowOperations.class)).isSameAs(STUB);
            // Health keeps reporting the connection the auto-configuration made.
            assertThat(context.getBean("stellanowHealthIndicator", StellaNowHealthIndicator.class).health()
                .getDetails()).containsEntry("topic", "in/" + ORG);
        });
    }

    @Test
    void healthIsContributedAsStellanow() {
        this.enabled.run((context) -> assertThat(context).hasBean("stellanowHealthIndicator")
            .getBean("stellanowHealthIndicator")
            .isInstanceOf(StellaNowHealthIndicator.class));
    }

    @Test
    void anApplicationsConnectionDetailsWinOverTheProperties() {
        // The properties say port 1 for both; the bean says 2 and 3.
        StellaNowConnectionDetails details = StellaNowConnectionDetails.of("mqtt://127.0.0.1:2", "http://127.0.0.1:3");
        this.enabled
            .withPropertyValues("iot.stellanow.auth.strategy=oidc", "iot.stellanow.auth.username=u",
                    "iot.stellanow.auth.password=p", "iot.stellanow.api-base-url=http://127.0.0.1:1")
            .withBean(StellaNowConnectionDetails.class, () -> details)
            .run((context) -> {
                assertThat(context).hasNotFailed();
                MqttConnectionSettings settings = context.getBean("stellaNowMqttConnection", MqttConnection.class)
                    .settings();
                assertThat(settings.endpoint().port()).isEqualTo(2);
                assertThat(context.getBean("stellanowHealthIndicator", StellaNowHealthIndicator.class).health()
                    .getDetails()).containsEntry("broker", "mqtt://127.0.0.1:2");
                assertThat(context.getBean(OidcTokenSource.class).toString())
                    .contains("endpoint=http://127.0.0.1:3/auth/realms/" + ORG);
            });
        // The bean's URLs are checked like the properties'.
        this.enabled.withBean(StellaNowConnectionDetails.class, () -> StellaNowConnectionDetails.of("http://x", null))
            .run((context) -> assertThat(context).getFailure()
                .rootCause()
                .hasMessageContaining("'iot.stellanow.broker-url'"));
    }

    @Test
    void customizersAdjustTheClientSettingsInOrderBeforeTheConnectionIsBuilt() {
        this.enabled
            .withBean("second", StellaNowCustomizer.class,
                    () -> new OrderedCustomizer(2, (settings) -> settings.keepAlive(Duration.ofSeconds(5))))
            .withBean("first", StellaNowCustomizer.class,
                    () -> new OrderedCustomizer(1, (settings) -> settings.keepAlive(Duration.ofSeconds(30))
                        .connectTimeout(Duration.ofSeconds(2))))
            .run((context) -> {
                MqttConnectionSettings settings = context.getBean("stellaNowMqttConnection", MqttConnection.class)
                    .settings();
                assertThat(settings.keepAlive()).isEqualTo(Duration.ofSeconds(5));
                assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
                assertThat(settings.clientId()).startsWith("StellaNowJvm_");
            });
    }

    record OrderedCustomizer(int order, StellaNowCustomizer delegate) implements StellaNowCustomizer, Ordered {

        @Override
        public void customize(MqttConnectionSettings.Builder settings) {
            this.delegate.customize(settings);
        }

        @Override
        public int getOrder() {
            return this.order;
        }
    }

    static final StellaNowOperations STUB = new StellaNowOperations() {

        @Override
        public CompletableFuture<SendResult> send(StellaNowMessage message) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<SendResult> send(Object event) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public boolean isConnected() {
            return true;
        }

        @Override
        public int pendingMessages() {
            return 0;
        }

        @Override
        public long droppedMessages() {
            return 0;
        }

        @Override
        public boolean flush(Duration timeout) {
            return true;
        }
    };

    @Test
    void backsOffFromTheApplicationsBeans() {
        this.enabled.withUserConfiguration(OwnCodec.class).run((context) -> {
            assertThat(context).hasNotFailed().hasSingleBean(StellaNowEnvelopeCodec.class);
            assertThat(context.getBean(StellaNowEnvelopeCodec.class)).isSameAs(OwnCodec.CODEC);
            assertThat(context.getBean(StellaNowTemplate.class).topic()).isEqualTo("in/" + OwnCodec.ORG);
        });
    }

    /** One non-default value for every iot.stellanow.* key (the test below fails when a key is missing here). */
    static final Map<String, String> EVERY_PROPERTY = Map.ofEntries(Map.entry("iot.stellanow.enabled", "true"),
            Map.entry("iot.stellanow.observation-enabled", "true"),
            Map.entry("iot.stellanow.organization-id", ORG), Map.entry("iot.stellanow.project-id", PROJECT),
            Map.entry("iot.stellanow.environment", "dev"),
            Map.entry("iot.stellanow.broker-url", "mqtts://broker.example.com:8884"),
            Map.entry("iot.stellanow.api-base-url", "https://idp.example.com"),
            Map.entry("iot.stellanow.client-id", "my-client-1"), Map.entry("iot.stellanow.keep-alive", "7s"),
            Map.entry("iot.stellanow.connect-timeout", "3s"), Map.entry("iot.stellanow.request-timeout", "4s"),
            Map.entry("iot.stellanow.auth.strategy", "basic"), Map.entry("iot.stellanow.auth.username", "device-1"),
            Map.entry("iot.stellanow.auth.password", "hunter2"),
            Map.entry("iot.stellanow.auth.oidc-client-id", "other"),
            Map.entry("iot.stellanow.auth.refresh-before-expiry", "15s"),
            Map.entry("iot.stellanow.auth.reconnect-on-refresh", "false"),
            // Bound only: durable with lifo would fail validation, which this test does not run.
            Map.entry("iot.stellanow.queue.type", "durable"), Map.entry("iot.stellanow.queue.order", "lifo"),
            Map.entry("iot.stellanow.queue.max-size", "50"), Map.entry("iot.stellanow.queue.overflow", "drop-newest"),
            Map.entry("iot.stellanow.queue.in-flight", "5"),
            Map.entry("iot.stellanow.queue.retry.initial-delay", "200ms"),
            Map.entry("iot.stellanow.queue.retry.max-delay", "2s"),
            Map.entry("iot.stellanow.ssl.bundle", "stellanow-tls"),
            Map.entry("iot.stellanow.reconnect.initial-delay", "250ms"),
            Map.entry("iot.stellanow.reconnect.max-delay", "20s"), Map.entry("iot.stellanow.reconnect.multiplier", "3"),
            Map.entry("iot.stellanow.reconnect.jitter", "0.1"));

    @Test
    void bindsEveryProperty() {
        Set<String> documented = ConfigurationMetadataDefaults.properties()
            .stream()
            .map((p) -> p.get("name").asString())
            .filter((name) -> name.startsWith("iot.stellanow."))
            .collect(Collectors.toSet());
        assertThat(EVERY_PROPERTY.keySet()).as("every iot.stellanow key, no other").isEqualTo(documented);

        StellaNowProperties p = new Binder(new MapConfigurationPropertySource(EVERY_PROPERTY))
            .bind("iot.stellanow", StellaNowProperties.class)
            .get();

        assertThat(p.isEnabled()).isTrue();
        assertThat(p.isObservationEnabled()).isTrue();
        assertThat(p.getOrganizationId()).isEqualTo(ORG);
        assertThat(p.getProjectId()).isEqualTo(PROJECT);
        assertThat(p.getEnvironment()).isEqualTo(StellaNowEnvironment.DEV);
        assertThat(p.getBrokerUrl()).hasToString("mqtts://broker.example.com:8884");
        assertThat(p.getApiBaseUrl()).hasToString("https://idp.example.com");
        assertThat(p.getClientId()).isEqualTo("my-client-1");
        assertThat(p.getKeepAlive()).isEqualTo(Duration.ofSeconds(7));
        assertThat(p.getConnectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(p.getRequestTimeout()).isEqualTo(Duration.ofSeconds(4));
        StellaNowProperties.Auth auth = p.getAuth();
        assertThat(auth.getStrategy()).isEqualTo(StellaNowProperties.AuthStrategy.BASIC);
        assertThat(auth.getUsername()).isEqualTo("device-1");
        assertThat(auth.getPassword()).isEqualTo("hunter2");
        assertThat(auth.getOidcClientId()).isEqualTo("other");
        assertThat(auth.getRefreshBeforeExpiry()).isEqualTo(Duration.ofSeconds(15));
        assertThat(auth.isReconnectOnRefresh()).isFalse();
        StellaNowProperties.Queue queue = p.getQueue();
        assertThat(queue.getType()).isEqualTo(OutboundQueueProperties.Type.DURABLE);
        assertThat(queue.getOrder()).isEqualTo(QueueOrder.LIFO);
        assertThat(queue.getMaxSize()).isEqualTo(50);
        assertThat(queue.getOverflow()).isEqualTo(OverflowStrategy.DROP_NEWEST);
        assertThat(queue.getInFlight()).isEqualTo(5);
        assertThat(queue.getRetry().getInitialDelay()).isEqualTo(Duration.ofMillis(200));
        assertThat(queue.getRetry().getMaxDelay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.getSsl().getBundle()).isEqualTo("stellanow-tls");
        ReconnectProperties reconnect = p.getReconnect();
        assertThat(reconnect.getInitialDelay()).isEqualTo(Duration.ofMillis(250));
        assertThat(reconnect.getMaxDelay()).isEqualTo(Duration.ofSeconds(20));
        assertThat(reconnect.getMultiplier()).isEqualTo(3.0);
        assertThat(reconnect.getJitter()).isEqualTo(0.1);
    }

    @Test
    void theBoundPropertiesShapeTheConnectionDispatcherAndTokenSource() {
        this.runner
            .withPropertyValues("iot.stellanow.enabled=true", "iot.stellanow.organization-id=" + ORG,
                    "iot.stellanow.project-id=" + PROJECT, "iot.stellanow.environment=dev",
                    "iot.stellanow.broker-url=mqtt://127.0.0.1:1", "iot.stellanow.client-id= my-client-1 ",
                    "iot.stellanow.keep-alive=7s", "iot.stellanow.connect-timeout=3s",
                    "iot.stellanow.request-timeout=4s", "iot.stellanow.queue.order=lifo",
                    "iot.stellanow.queue.max-size=50", "iot.stellanow.queue.overflow=drop-oldest",
                    "iot.stellanow.queue.in-flight=5", "iot.stellanow.reconnect.initial-delay=250ms",
                    "iot.stellanow.reconnect.max-delay=20s", "iot.stellanow.reconnect.multiplier=3",
                    "iot.stellanow.reconnect.jitter=0", "iot.stellanow.auth.username=u", "iot.stellanow.auth.password=p",
                    "iot.stellanow.auth.oidc-client-id=other", "iot.stellanow.auth.refresh-before-expiry=15s",
                    "iot.stellanow.auth.reconnect-on-refresh=false", "iot.shutdown.drain-timeout=100ms")
            .run((context) -> {
                assertThat(context).hasNotFailed().hasSingleBean(OidcTokenSource.class);
                StellaNowProperties properties = context.getBean(StellaNowProperties.class);
                assertThat(properties.effectiveApiBaseUrl()).hasToString("https://api.dev.stella.cloud");
                assertThat(context.getBean(OidcTokenSource.class).toString()).contains("clientId=other")
                    .contains("https://api.dev.stella.cloud/auth/realms/" + ORG)
                    .contains("requestTimeout=PT4S")
                    .contains("refreshBeforeExpiry=PT15S")
                    .doesNotContain("=p,");
                MqttConnectionSettings settings = context.getBean("stellaNowMqttConnection", MqttConnection.class)
                    .settings();
                assertThat(settings.clientId()).isEqualTo("my-client-1");
                assertThat(settings.keepAlive()).isEqualTo(Duration.ofSeconds(7));
                assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
                assertThat(settings.maxInflight()).isEqualTo(5);
                assertThat(settings.cleanSession()).isTrue();
                assertThat(settings.endpoint().url()).isEqualTo("mqtt://127.0.0.1:1");
                assertThat(settings.backoff())
                    .isEqualTo(new RetryBackoff(Duration.ofMillis(250), Duration.ofSeconds(20), 3.0, 0.0));
                assertThat(context.getBean("stellaNowDispatcher", Dispatcher.class).getWindow()).isEqualTo(5);
                InMemoryQueue queue = context.getBean("stellaNowOutboundQueue", InMemoryQueue.class);
                assertThat(queue.getOrder()).isEqualTo(QueueOrder.LIFO);
                assertThat(queue.getMaxSize()).isEqualTo(50);
                assertThat(queue.getOverflow()).isEqualTo(OverflowStrategy.DROP_OLDEST);
            });
    }

    @Test
    void reconnectDelaysFollowTheConfiguredSchedule() {
        // Virtual time: a scheduler that records each delay the connection asks for and runs the attempt at once;
        // every attempt really fails (nothing listens on port 1). Jitter 0.2 with a random draw of 0.25 takes 10 %.
        RecordingScheduler scheduler = new RecordingScheduler(6);
        this.enabled
            .withPropertyValues("iot.stellanow.reconnect.initial-delay=250ms", "iot.stellanow.reconnect.max-delay=2s",
                    "iot.stellanow.reconnect.multiplier=3", "iot.stellanow.reconnect.jitter=0.2")
            .withBean(StellaNowCustomizer.class, () -> (settings) -> settings.scheduler(() -> scheduler)
                .random(() -> 0.25))
            .run((context) -> {
                await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.delays().size() >= 6);
                assertThat(scheduler.delays().subList(0, 6)).extracting(Duration::toMillis)
                    .containsExactly(0L, 225L, 675L, 1800L, 1800L, 1800L);
                assertThat(context.getBean(StellaNowTemplate.class).isConnected()).isFalse();
            });
    }

    /** Records requested delays and runs the first {@code limit} tasks at once on its own thread. */
    static final class RecordingScheduler implements MqttScheduler {

        private final List<Duration> delays = new CopyOnWriteArrayList<>();

        private final ExecutorService executor = Executors.newSingleThreadExecutor();

        private final int limit;

        RecordingScheduler(int limit) {
            this.limit = limit;
        }

        @Override
        public Cancellable schedule(Runnable task, Duration delay) {
            this.delays.add(delay);
            if (this.delays.size() <= this.limit) {
                this.executor.execute(task);
            }
            return () -> {
            };
        }

        @Override
        public void shutdown() {
            this.executor.shutdownNow();
        }

        List<Duration> delays() {
            return this.delays;
        }
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
