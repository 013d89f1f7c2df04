package dev.iotspring.streamsea.autoconfigure;

import java.security.KeyPairGenerator;
import java.nio.file.Path;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.core.autoconfigure.ConfigurationMetadataDefaults;
import dev.iotspring.core.autoconfigure.OutboundQueueProperties;
import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.delivery.MessageDroppedException;
import dev.iotspring.core.event.IotConnectionStateChangedEvent;
import dev.iotspring.core.event.IotEvent;
import dev.iotspring.core.event.IotMessageDroppedEvent;
import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.core.lifecycle.IotLifecyclePhases;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueueFullException;
import dev.iotspring.core.queue.DeferredOutboundQueue;
import dev.iotspring.core.store.JdbcOutboundQueue;
import dev.iotspring.streamsea.FieldType;
import dev.iotspring.streamsea.SchemaDefinition;
import dev.iotspring.streamsea.StreamSeaClientSettings;
import dev.iotspring.streamsea.StreamSeaConnection;
import dev.iotspring.streamsea.StreamSeaCustomizer;
import dev.iotspring.streamsea.StreamSeaOperations;
import dev.iotspring.streamsea.StreamSeaJwtSigner;
import dev.iotspring.streamsea.StreamSeaListenerEndpointRegistry;
import dev.iotspring.streamsea.StreamSeaTemplate;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class StreamSeaAutoConfigurationTests {

    static StreamSeaEmulator emulator;

    static final Duration WAIT = Duration.ofSeconds(30);

    final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class, StreamSeaAutoConfiguration.class));

    @BeforeAll
    static void startEmulator() {
        emulator = new StreamSeaEmulator().addClient("jail", "svc", "top-secret").start();
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }

    ApplicationContextRunner active() {
        return this.runner.withPropertyValues("iot.stream-sea.enabled=true", "iot.stream-sea.remote-host=127.0.0.1",
                "iot.stream-sea.remote-port=" + emulator.port(), "iot.stream-sea.secure=false",
                "iot.stream-sea.client-id=svc", "iot.stream-sea.client-secret=top-secret",
                "iot.stream-sea.reconnect.initial-delay=100ms");
    }

    @Test
    void queueDefaultsInTheMetadataAreTheBoundOnes() {
        StreamSeaProperties.Queue queue = new StreamSeaProperties().getQueue();
        assertThat(ConfigurationMetadataDefaults.defaultValue("iot.stream-sea.queue.max-size"))
            .isEqualTo(String.valueOf(queue.getMaxSize())).isEqualTo("10000");
        assertThat(ConfigurationMetadataDefaults.defaultValue("iot.stream-sea.queue.in-flight"))
            .isEqualTo(String.valueOf(queue.getInFlight())).isEqualTo("1");
        assertThat(ConfigurationMetadataDefaults.defaultValue("iot.stream-sea.queue.overflow"))
            .isEqualTo("raise-exception");
        assertThat(ConfigurationMetadataDefaults.defaultValue("iot.stream-sea.queue.type")).isEqualTo("memory");
        assertThat(queue.getType()).isEqualTo(OutboundQueueProperties.Type.MEMORY);
    }

    @Test
    void anApplicationsConnectionDetailsWinOverTheProperties() {
        // The properties name a port where nothing listens and a client the emulator does not know; only the
        // application's bean leads to the emulator.
        this.runner.withPropertyValues("iot.stream-sea.enabled=true", "iot.stream-sea.remote-host=127.0.0.1",
                "iot.stream-sea.remote-port=1", "iot.stream-sea.secure=true", "iot.stream-sea.client-id=nobody",
                "iot.stream-sea.client-secret=wrong", "iot.stream-sea.reconnect.initial-delay=100ms")
            .withBean(StreamSeaConnectionDetails.class,
                    () -> StreamSeaConnectionDetails.of("127.0.0.1", emulator.port(), false, "svc", "top-secret"))
            .run((context) -> {
                assertThat(context).hasNotFailed().doesNotHaveBean(PropertiesStreamSeaConnectionDetails.class);
                StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
                template.defineStream(SchemaDefinition.builder("details", 1).field("n", FieldType.INTEGER).build());
                template.publish("details", Map.of("n", 7)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(emulator.acceptedMessages("details")).singleElement()
                    .satisfies((message) -> assertThat(message.path("n").asInt()).isEqualTo(7));
                // The WebSocket too: authenticated with the bean's client.
                await().atMost(WAIT).until(() -> template.connectionState().connected());
            });
        // Without such a bean the properties are the connection details.
        active().run((context) -> assertThat(context.getBean(StreamSeaConnectionDetails.class))
            .isInstanceOf(PropertiesStreamSeaConnectionDetails.class)
            .satisfies((details) -> assertThat(details.port()).isEqualTo(emulator.port())));
    }

    @Test
    void inactiveUnlessEnabled() {
        this.runner.withPropertyValues("iot.stream-sea.remote-host=127.0.0.1")
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(StreamSeaTemplate.class));
    }

    @Test
    void createsTheTemplateConnectsAndReportsHealthAndMeters() {
        active().run((context) -> {
            assertThat(context).hasSingleBean(StreamSeaTemplate.class)
                .hasSingleBean(StreamSeaConnection.class)
                .hasSingleBean(StreamSeaListenerEndpointRegistry.class)
                .hasBean("streamseaHealthIndicator")
                .hasSingleBean(StreamSeaMetrics.class);
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            // The connection is a SmartLifecycle: refreshing the context started it.
            await().atMost(Duration.ofSeconds(5)).until(() -> template.connectionState().connected());
            Health health = context.getBean(StreamSeaHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("connected", true)
                .containsEntry("subscriptions", 0)
                .containsKeys("lastFrameAt", "reconnects")
                .containsEntry("queueSize", 0)
                .containsEntry("durableQueue", false)
                .containsEntry("delivery", "running");
            assertThat(health.toString()).doesNotContain("top-secret");

            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(StreamSeaMetrics.class).bindTo(registry);
            assertThat(registry.get("iot.connection.state").tag("platform", "streamsea").gauge().value()).isOne();
            assertThat(registry.get("iot.messages.sent").tag("platform", "streamsea").functionCounter().count())
                .isZero();
            assertThat(registry.get("iot.queue.size").tag("platform", "streamsea").gauge().value()).isZero();
            assertThat(registry.find("iot.publish.latency").tag("platform", "streamsea").timer()).isNotNull();
            assertThat(registry.find("iot.messages.dropped").tag("platform", "streamsea").functionCounter())
                .isNotNull();
            assertThat(registry.find("iot.stream-sea.messages.received").functionCounter()).isNotNull();
            assertThat(registry.find("iot.stream-sea.reconnects").functionCounter()).isNotNull();
            assertThat(registry.find("iot.stream-sea.listener.errors").functionCounter()).isNotNull();
        });
    }

    @Test
    void bindsEveryProperty() {
        active().withPropertyValues("iot.stream-sea.max-frame-size=2MB", "iot.stream-sea.connect-timeout=2s",
                "iot.stream-sea.request-timeout=3s", "iot.stream-sea.auth-timeout=4s",
                "iot.stream-sea.idle-timeout=0", "iot.stream-sea.reconnect.max-delay=7s",
                "iot.stream-sea.reconnect.multiplier=3", "iot.stream-sea.reconnect.jitter=0.1",
                "iot.stream-sea.compress-requests=true")
            .run((context) -> {
                StreamSeaClientSettings settings = context.getBean(StreamSeaClientSettings.class);
                assertThat(settings.maxFrameSize()).isEqualTo(2 * 1024 * 1024);
                assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
                assertThat(settings.requestTimeout()).isEqualTo(Duration.ofSeconds(3));
                assertThat(settings.authTimeout()).isEqualTo(Duration.ofSeconds(4));
                assertThat(settings.idleTimeout()).isZero();
                assertThat(settings.reconnect()).isEqualTo(
                        new RetryBackoff(Duration.ofMillis(100), Duration.ofSeconds(7), 3.0, 0.1));
                assertThat(settings.compressRequests()).isTrue();
                assertThat(settings.tokenSource()).isNull();
                assertThat(settings.toString()).doesNotContain("top-secret");
                assertThat(context.getBean(StreamSeaProperties.class).toString()).doesNotContain("top-secret")
                    .contains("clientSecret=******");
            });
    }

    @Test
    void portDefaultsFollowSecure() {
        this.runner.withPropertyValues("iot.stream-sea.enabled=true", "iot.stream-sea.remote-host=ss.invalid",
                "iot.stream-sea.client-id=svc", "iot.stream-sea.client-secret=s")
            .run((context) -> {
                StreamSeaClientSettings settings = context.getBean(StreamSeaClientSettings.class);
                assertThat(settings.secure()).isTrue();
                assertThat(settings.port()).isEqualTo(443);
                assertThat(settings.webSocketUri()).hasToString("wss://ss.invalid:443/api/v1/streams");
            });
        this.runner.withPropertyValues("iot.stream-sea.enabled=true", "iot.stream-sea.remote-host=ss.invalid",
                "iot.stream-sea.secure=false", "iot.stream-sea.client-id=svc", "iot.stream-sea.client-secret=s")
            .run((context) -> assertThat(context.getBean(StreamSeaClientSettings.class).httpBaseUri())
                .hasToString("http://ss.invalid:80/api/v1"));
    }

    @Test
    void backsOffFromTheApplicationsOwnBeans() {
        active().withUserConfiguration(OwnTemplate.class).run((context) -> {
            assertThat(context).hasSingleBean(StreamSeaTemplate.class);
            assertThat(context.getBean(StreamSeaTemplate.class)).isSameAs(context.getBean(OwnTemplate.class).template);
        });
    }

    @Test
    void backsOffFromAStubbedOperationsBean() {
        // What an application's test would do: its own StreamSeaOperations, no server.
        StreamSeaOperations stub = (StreamSeaOperations) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] { StreamSeaOperations.class },
                (proxy, method, args) -> method.getName().equals("pendingMessages") ? 42 : null);
        active().withBean(StreamSeaOperations.class, () -> stub).run((context) -> {
            assertThat(context).hasNotFailed()
                .doesNotHaveBean(StreamSeaTemplate.class)
                .doesNotHaveBean("streamSeaDispatcher")
                .doesNotHaveBean("streamseaHealthIndicator")
                .doesNotHaveBean(StreamSeaListenerEndpointRegistry.class);
            assertThat(context.getBean(StreamSeaOperations.class).pendingMessages()).isEqualTo(42);
        });
    }

    @Test
    void customizersAdjustTheSettingsInOrder() {
        active().withPropertyValues("iot.stream-sea.auth-timeout=4s")
            .withBean("first", StreamSeaCustomizer.class, () -> (settings) -> settings.authTimeout(Duration.ofSeconds(7)))
            .withBean("second", StreamSeaCustomizer.class,
                    () -> (settings) -> settings.maxFrameSize(123_456))
            .run((context) -> {
                StreamSeaClientSettings settings = context.getBean(StreamSeaClientSettings.class);
                assertThat(settings.authTimeout()).isEqualTo(Duration.ofSeconds(7));
                assertThat(settings.maxFrameSize()).isEqualTo(123_456);
                assertThat(settings.connectTimeout()).as("the rest comes from the properties")
                    .isEqualTo(Duration.ofSeconds(5));
            });
    }

    @Test
    void aLostWebSocketAndItsReturnArePublishedAsConnectionEvents() {
        List<IotEvent> events = new CopyOnWriteArrayList<>();
        active().withBean("collector", ApplicationListener.class, () -> (ApplicationListener<IotEvent>) events::add)
            .run((context) -> {
                await().atMost(WAIT).until(() -> connectionEvents(events).size() == 1);
                IotConnectionStateChangedEvent up = connectionEvents(events).get(0);
                assertThat(up.getPlatform()).isEqualTo("streamsea");
                assertThat(up.isConnected()).isTrue();

                emulator.dropAllConnections();
                await().atMost(WAIT).until(() -> connectionEvents(events).size() >= 3);
                IotConnectionStateChangedEvent lost = connectionEvents(events).get(1);
                assertThat(lost.isConnected()).isFalse();
                assertThat(lost.isWillRetry()).isTrue();
                assertThat(lost.getCause()).isNotNull();
                assertThat(lost.getCause().getMessage()).doesNotContain("top-secret");
                IotConnectionStateChangedEvent back = connectionEvents(events).get(2);
                assertThat(back.isConnected()).isTrue();
                assertThat(context.getBean(StreamSeaTemplate.class).isConnected()).isTrue();
            });
        // Closing the context ends the connection for good: reported once, without a retry.
        IotConnectionStateChangedEvent closed = connectionEvents(events).get(connectionEvents(events).size() - 1);
        assertThat(closed.isConnected()).isFalse();
        assertThat(closed.isWillRetry()).isFalse();
    }

    @Test
    void anOverflowDropIsPublishedAsAMessageDroppedEvent() {
        List<IotEvent> events = new CopyOnWriteArrayList<>();
        emulator.delayPublishAnswers(Duration.ofSeconds(2));
        try {
            active().withPropertyValues("iot.stream-sea.queue.max-size=1", "iot.stream-sea.queue.overflow=drop-oldest")
                .withBean("collector", ApplicationListener.class, () -> (ApplicationListener<IotEvent>) events::add)
                .run((context) -> {
                    StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
                    template.publish("bounded", Map.of("n", 1));
                    await().atMost(WAIT).until(() -> template.getDispatcher().stats().inFlight() == 1);
                    CompletableFuture<Void> oldest = template.publish("bounded", Map.of("n", 2));
                    template.publish("bounded", Map.of("n", 3));
                    // The waiting message made room for the newer one: its future fails, an event says which.
                    assertThat(oldest).failsWithin(WAIT)
                        .withThrowableOfType(ExecutionException.class)
                        .withCauseInstanceOf(MessageDroppedException.class);
                    await().atMost(WAIT).until(() -> events.stream().anyMatch(IotMessageDroppedEvent.class::isInstance));
                    IotMessageDroppedEvent dropped = events.stream()
                        .filter(IotMessageDroppedEvent.class::isInstance)
                        .map(IotMessageDroppedEvent.class::cast)
                        .findFirst()
                        .orElseThrow();
                    assertThat(dropped.getPlatform()).isEqualTo("streamsea");
                    assertThat(new String(dropped.getMessage().payload(), StandardCharsets.UTF_8))
                        .isEqualTo("{\"payload\":{\"n\":2}}");
                    assertThat(template.droppedMessages()).isEqualTo(1);
                });
        }
        finally {
            emulator.delayPublishAnswers(Duration.ZERO);
        }
    }

    private static List<IotConnectionStateChangedEvent> connectionEvents(List<IotEvent> events) {
        return events.stream()
            .filter(IotConnectionStateChangedEvent.class::isInstance)
            .map(IotConnectionStateChangedEvent.class::cast)
            .toList();
    }

    @Test
    void missingPropertiesFailTheStartNamingTheProperty() {
        assertFailure(this.runner.withPropertyValues("iot.stream-sea.enabled=true", "iot.stream-sea.client-id=svc",
                "iot.stream-sea.client-secret=s"), "iot.stream-sea.remote-host");
        assertFailure(this.runner.withPropertyValues("iot.stream-sea.enabled=true", "iot.stream-sea.remote-host=h",
                "iot.stream-sea.client-secret=s"), "iot.stream-sea.client-id");
        assertFailure(this.runner.withPropertyValues("iot.stream-sea.enabled=true", "iot.stream-sea.remote-host=h",
                "iot.stream-sea.client-id=svc"), "iot.stream-sea.client-secret");
    }

    @Test
    void invalidCombinationsFailTheStartNamingTheProperty() {
        assertFailure(active().withPropertyValues("iot.stream-sea.jwt.token=a.b.c",
                "iot.stream-sea.jwt.private-key=-----BEGIN PRIVATE KEY-----"), "iot.stream-sea.jwt.private-key");
        assertFailure(active().withPropertyValues("iot.stream-sea.remote-port=70000"), "iot.stream-sea.remote-port");
        assertFailure(active().withPropertyValues("iot.stream-sea.reconnect.initial-delay=5s",
                "iot.stream-sea.reconnect.max-delay=1s"), "iot.stream-sea.reconnect.max-delay");
        assertFailure(active().withPropertyValues("iot.stream-sea.max-frame-size=1KB"), "iot.stream-sea.max-frame-size");
        assertFailure(active().withPropertyValues("iot.stream-sea.ssl.bundle=missing"), "iot.stream-sea.ssl.bundle");
    }

    @Test
    void anUnreadablePrivateKeyFailsWithoutShowingIt() {
        String garbage = "-----BEGIN RSA PRIVATE KEY-----\nTUlJQ2V3SUJBREFOQmdrcWhraUc5dzBCQVFFRkFBU0NBbVV3Z2dKaEFnRUFBb0dC\n"
                + "-----END RSA PRIVATE KEY-----";
        active().withPropertyValues("iot.stream-sea.jwt.private-key=" + garbage).run((context) -> {
            assertThat(context).hasFailed();
            IotConfigurationException ex = rootCause(context);
            assertThat(ex.getProperty()).isEqualTo("iot.stream-sea.jwt.private-key");
            assertThat(ex.getMessage()).doesNotContain("TUlJQ2V3");
        });
    }

    @Test
    void aPrivateKeyMintsTokensForTheWebSocket() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        var keys = generator.generateKeyPair();
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        emulator.registerJwtPublicKey("svc", keys.getPublic());
        active().withPropertyValues("iot.stream-sea.jwt.private-key=" + pem, "iot.stream-sea.jwt.ttl=1m")
            .run((context) -> {
                StreamSeaClientSettings settings = context.getBean(StreamSeaClientSettings.class);
                assertThat(settings.tokenSource()).isInstanceOf(StreamSeaJwtSigner.class);
                StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
                await().atMost(Duration.ofSeconds(5)).until(() -> template.connectionState().connected());
                assertThat(emulator.connections()).last().satisfies((c) -> assertThat(c.jwt()).isTrue());
                assertThat(context.getBean(StreamSeaProperties.class).toString()).doesNotContain("BEGIN");
            });
    }

    @Test
    void publishQueueDefaultsToMemoryInOrderOneRequestAtATime() {
        active().withPropertyValues("iot.shutdown.drain-timeout=7s").run((context) -> {
            Dispatcher dispatcher = context.getBean("streamSeaDispatcher", Dispatcher.class);
            assertThat(dispatcher).isSameAs(context.getBean(StreamSeaTemplate.class).getDispatcher());
            assertThat(dispatcher.isRunning()).as("started by the context").isTrue();
            assertThat(dispatcher.getPhase()).isEqualTo(IotLifecyclePhases.DELIVERY);
            assertThat(dispatcher.getWindow()).isOne();
            assertThat(dispatcher.getQueue()).isInstanceOf(InMemoryQueue.class);
            assertThat(dispatcher.getQueue().isDurable()).isFalse();
            StreamSeaProperties.Queue queue = context.getBean(StreamSeaProperties.class).getQueue();
            assertThat(queue.getMaxSize()).isEqualTo(10_000);
            assertThat(queue.getOverflow()).isEqualTo(OverflowStrategy.RAISE_EXCEPTION);
        });
    }

    @Test
    void bindsTheQueueProperties(@TempDir Path storage) {
        active().withPropertyValues("iot.storage.directory=" + storage, "iot.stream-sea.queue.type=durable",
                "iot.stream-sea.queue.max-size=2", "iot.stream-sea.queue.overflow=drop-oldest",
                "iot.stream-sea.queue.in-flight=4", "iot.stream-sea.queue.retry.initial-delay=50ms",
                "iot.stream-sea.queue.retry.max-delay=2s")
            .run((context) -> {
                Dispatcher dispatcher = context.getBean(StreamSeaTemplate.class).getDispatcher();
                assertThat(dispatcher.getWindow()).isEqualTo(4);
                // Opened beside the startup (core DeferredOutboundQueue); queue() waits for it.
                assertThat(dispatcher.getQueue()).isInstanceOfSatisfying(DeferredOutboundQueue.class,
                        (deferred) -> assertThat(deferred.queue()).isInstanceOf(JdbcOutboundQueue.class));
                assertThat(dispatcher.getQueue().isDurable()).isTrue();
                assertThat(storage.resolve("streamsea.db")).exists();
                StreamSeaProperties.Queue queue = context.getBean(StreamSeaProperties.class).getQueue();
                assertThat(queue.getOverflow()).isEqualTo(OverflowStrategy.DROP_OLDEST);
                assertThat(queue.getRetry().getInitialDelay()).isEqualTo(Duration.ofMillis(50));
                assertThat(queue.getRetry().getMaxDelay()).isEqualTo(Duration.ofSeconds(2));
            });
    }

    @Test
    void aBoundedQueueAppliesItsOverflowRule() {
        // The bound counts waiting messages; the one being sent does not take a place.
        active().withPropertyValues("iot.stream-sea.queue.max-size=1", "iot.stream-sea.queue.overflow=raise-exception")
            .run((context) -> {
                StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
                emulator.delayPublishAnswers(Duration.ofMillis(500));
                try {
                    CompletableFuture<Void> sending = template.publish("bounded", Map.of("n", 1));
                    await().atMost(Duration.ofSeconds(5)).until(() -> template.getDispatcher().stats().inFlight() == 1);
                    CompletableFuture<Void> waiting = template.publish("bounded", Map.of("n", 2));
                    assertThatThrownBy(() -> template.publish("bounded", Map.of("n", 3)))
                        .isInstanceOf(QueueFullException.class);
                    assertThat(sending).isNotDone();
                    assertThat(waiting).isNotDone();
                }
                finally {
                    emulator.delayPublishAnswers(Duration.ZERO);
                }
            });
    }

    @Test
    void invalidQueuePropertiesFailTheStartNamingTheProperty() {
        assertFailure(active().withPropertyValues("iot.stream-sea.queue.max-size=-1"), "iot.stream-sea.queue.max-size");
        assertFailure(active().withPropertyValues("iot.stream-sea.queue.in-flight=0"), "iot.stream-sea.queue.in-flight");
        assertFailure(active().withPropertyValues("iot.stream-sea.queue.retry.initial-delay=0"),
                "iot.stream-sea.queue.retry.initial-delay");
        assertFailure(active().withPropertyValues("iot.stream-sea.queue.retry.initial-delay=2s",
                "iot.stream-sea.queue.retry.max-delay=1s"), "iot.stream-sea.queue.retry.max-delay");
        assertFailure(active().withPropertyValues("iot.stream-sea.queue.type=durable")
            .withClassLoader(new FilteredClassLoader("org.sqlite")), "iot.stream-sea.queue.type");
        active().withPropertyValues("iot.stream-sea.queue.type=tape").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("tape");
            assertThat(context.getStartupFailure()).hasStackTraceContaining("iot.stream-sea.queue.type");
        });
    }

    private static void assertFailure(ApplicationContextRunner runner, String property) {
        runner.run((context) -> {
            assertThat(context).hasFailed();
            assertThat(rootCause(context).getProperty()).isEqualTo(property);
        });
    }

    private static IotConfigurationException rootCause(AssertableApplicationContext context) {
        Throwable failure = context.getStartupFailure();
        while (failure != null && !(failure instanceof IotConfigurationException)) {
            failure = failure.getCause();
        }
        assertThat(failure).as("an IotConfigurationException in the startup failure").isNotNull();
        return (IotConfigurationException) failure;
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnTemplate {

        final StreamSeaTemplate template = StreamSeaTemplate.create(StreamSeaClientSettings.builder("127.0.0.1", "own")
            .clientSecret("x")
            .build());

        @Bean
        StreamSeaTemplate ownTemplate() {
            return this.template;
        }
    }
}
