package dev.iotspring.stellmap.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.core.event.IotConnectionStateChangedEvent;
import dev.iotspring.stellmap.Endpoint;
import dev.iotspring.stellmap.RegisterRequest;
import dev.iotspring.stellmap.StellMapAutoRegistration;
import dev.iotspring.stellmap.InstanceQuery;
import dev.iotspring.stellmap.StellMapClientSettings;
import dev.iotspring.stellmap.StellMapHttpRegistry;
import dev.iotspring.stellmap.StellMapRegistry;
import dev.iotspring.stellmap.cloud.StellMapDiscoveryClient;
import dev.iotspring.stellmap.cloud.StellMapHeartbeatPublisher;
import dev.iotspring.stellmap.cloud.StellMapReactiveDiscoveryClient;
import dev.iotspring.test.stellmap.RecordedRequest;
import dev.iotspring.test.stellmap.StellMapEmulator;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

class StellMapAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class, StellMapAutoConfiguration.class,
                StellMapDiscoveryAutoConfiguration.class));

    private final ApplicationContextRunner enabled = this.runner.withPropertyValues("iot.stellmap.enabled=true",
            "iot.stellmap.server-url=http://127.0.0.1:1", "iot.stellmap.namespace=staging",
            "spring.application.name=cart-svc");

    @Test
    void inactiveUnlessEnabled() {
        this.runner.withPropertyValues("iot.stellmap.server-url=http://127.0.0.1:1")
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(StellMapRegistry.class)
                .doesNotHaveBean(StellMapDiscoveryClient.class));
    }

    @Test
    void enabledContributesRegistryRegistrationHealthMetersAndDiscovery() {
        this.enabled.run((context) -> assertThat(context).hasNotFailed()
            .hasSingleBean(StellMapRegistry.class)
            .hasSingleBean(StellMapAutoRegistration.class)
            .hasSingleBean(StellMapHealthIndicator.class)
            .hasSingleBean(StellMapMeterBinder.class)
            .hasSingleBean(StellMapDiscoveryClient.class)
            .hasSingleBean(StellMapReactiveDiscoveryClient.class)
            .hasSingleBean(StellMapHeartbeatPublisher.class));
    }

    @Test
    void backsOffFromTheApplicationsOwnRegistry() {
        this.enabled.withUserConfiguration(OwnRegistry.class).run((context) -> {
            assertThat(context).hasSingleBean(StellMapRegistry.class);
            assertThat(context.getBean(StellMapRegistry.class)).isSameAs(context.getBean("ownRegistry"));
        });
    }

    @Test
    void autoRegistrationHealthAndDiscoveryCanBeSwitchedOff() {
        this.enabled.withPropertyValues("iot.stellmap.auto-registration=false", "management.health.stellmap.enabled=false",
                "iot.stellmap.discovery.enabled=false")
            .run((context) -> assertThat(context).hasNotFailed().hasSingleBean(StellMapRegistry.class)
                .doesNotHaveBean(StellMapAutoRegistration.class)
                .doesNotHaveBean(StellMapHealthIndicator.class)
                .doesNotHaveBean(StellMapDiscoveryClient.class));
        this.enabled.withPropertyValues("spring.cloud.service-registry.auto-registration.enabled=false")
            .run((context) -> assertThat(context).doesNotHaveBean(StellMapAutoRegistration.class));
        this.enabled.withPropertyValues("spring.cloud.discovery.reactive.enabled=false")
            .run((context) -> assertThat(context).hasSingleBean(StellMapDiscoveryClient.class)
                .doesNotHaveBean(StellMapReactiveDiscoveryClient.class));
    }

    @Test
    void withoutSpringCloudThereIsNoDiscoveryClient() {
        this.enabled.withClassLoader(new FilteredClassLoader(DiscoveryClient.class))
            .run((context) -> assertThat(context).hasNotFailed().hasSingleBean(StellMapRegistry.class)
                .doesNotHaveBean(StellMapDiscoveryClient.class));
    }

    @Test
    void worksWithoutHealthMicrometerOrWebServerClasses() {
        this.enabled.withClassLoader(new FilteredClassLoader(org.springframework.boot.health.contributor.HealthIndicator.class,
                io.micrometer.core.instrument.MeterRegistry.class,
                org.springframework.boot.web.server.context.WebServerInitializedEvent.class))
            .run((context) -> assertThat(context).hasNotFailed().hasSingleBean(StellMapAutoRegistration.class)
                .doesNotHaveBean(StellMapHealthIndicator.class).doesNotHaveBean(StellMapMeterBinder.class));
    }

    @Test
    void missingOrInvalidPropertiesFailTheStartNamingTheProperty() {
        assertFailure(this.runner.withPropertyValues("iot.stellmap.enabled=true", "iot.stellmap.namespace=staging"),
                "iot.stellmap.server-url");
        assertFailure(this.runner.withPropertyValues("iot.stellmap.enabled=true",
                "iot.stellmap.server-url=http://127.0.0.1:1"), "iot.stellmap.namespace");
        assertFailure(this.enabled.withPropertyValues("iot.stellmap.server-url=ftp://stellmap"),
                "iot.stellmap.server-url");
        assertFailure(this.enabled.withPropertyValues("iot.stellmap.lease-ttl=1500ms"), "iot.stellmap.lease-ttl");
        assertFailure(this.enabled.withPropertyValues("iot.stellmap.lease-ttl=10s",
                "iot.stellmap.heartbeat-interval=10s"), "iot.stellmap.heartbeat-interval");
        assertFailure(this.enabled.withPropertyValues("iot.stellmap.organization=acme"), "iot.stellmap.business-domain");
        assertFailure(this.enabled.withPropertyValues("iot.stellmap.instance-id=cart/1"), "iot.stellmap.instance-id");
        assertFailure(this.enabled.withPropertyValues("iot.stellmap.namespace=a b"), "iot.stellmap.namespace");
        assertFailure(this.enabled.withPropertyValues("iot.stellmap.service=x.y", "iot.stellmap.organization=acme",
                "iot.stellmap.business-domain=retail", "iot.stellmap.capability-domain=cart",
                "iot.stellmap.application=cart-svc", "iot.stellmap.role=api"), "iot.stellmap.service");
        assertFailure(this.enabled.withPropertyValues("iot.stellmap.endpoints[0].name=http",
                "iot.stellmap.endpoints[1].protocol=http"), "iot.stellmap.endpoints[1].name");
        assertFailure(this.runner.withPropertyValues("iot.stellmap.enabled=true",
                "iot.stellmap.server-url=http://127.0.0.1:1", "iot.stellmap.namespace=staging"), "iot.stellmap.service");
        assertFailure(this.enabled.withPropertyValues("iot.stellmap.request-timeout=0s"), "iot.stellmap.request-timeout");
        assertFailure(this.enabled.withPropertyValues("iot.stellmap.connect-timeout=0s"), "iot.stellmap.connect-timeout");
        assertFailure(this.enabled.withPropertyValues("iot.stellmap.reconnect.max-delay=100ms"),
                "iot.stellmap.reconnect.max-delay");
        assertFailure(this.enabled.withPropertyValues("iot.stellmap.reconnect.jitter=2"), "iot.stellmap.reconnect.jitter");
        assertFailure(this.enabled.withPropertyValues("iot.stellmap.ssl.bundle=missing"), "iot.stellmap.ssl.bundle");
    }

    private static void assertFailure(ApplicationContextRunner runner, String property) {
        runner.run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(IotConfigurationException.class)
                .satisfies((ex) -> {
                    IotConfigurationException failure = (IotConfigurationException) ex;
                    assertThat(failure.getProperty()).isEqualTo(property);
                    assertThat(failure.getExample()).contains("stellmap:");
                });
        });
    }

    @Test
    void anApplicationsConnectionDetailsWinOverTheProperties() {
        try (StellMapEmulator stellmap = StellMapEmulator.start()) {
            // iot.stellmap.server-url says port 1, where nothing listens; the application's bean names the emulator.
            this.enabled.withPropertyValues("iot.stellmap.auto-registration=false")
                .withBean(StellMapConnectionDetails.class, () -> StellMapConnectionDetails.of(stellmap.url()))
                .run((context) -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(PropertiesStellMapConnectionDetails.class);
                    StellMapRegistry registry = context.getBean(StellMapRegistry.class);
                    assertThat(registry.queryInstances(InstanceQuery.of("staging", "cart-svc"))).isEmpty();
                    assertThat(stellmap.requests("/api/v1/registry/instances")).hasSize(1);
                    // The watch (started with the context) is open on the emulator too.
                    await().atMost(Duration.ofSeconds(30)).until(registry::isConnected);
                });
        }
        // Without such a bean the properties are the connection details.
        this.enabled.run((context) -> assertThat(context.getBean(StellMapConnectionDetails.class))
            .isInstanceOf(PropertiesStellMapConnectionDetails.class)
            .satisfies((details) -> assertThat(details.serverUrls()).containsExactly(URI.create("http://127.0.0.1:1"))));
    }

    @Test
    void customizersAdjustTheSettingsInOrderAndConnectionChangesArePublishedAsCoreEvents() {
        try (StellMapEmulator stellmap = StellMapEmulator.start()) {
            this.enabled.withPropertyValues("iot.stellmap.server-url=" + stellmap.url(),
                    "iot.stellmap.auto-registration=false", "iot.stellmap.headers.X-Tenant=from-properties")
                .withUserConfiguration(Customizers.class)
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    StellMapRegistry registry = context.getBean(StellMapRegistry.class);
                    assertThat(registry).isInstanceOf(StellMapHttpRegistry.class);
                    registry.queryInstances(InstanceQuery.of("staging", "cart-svc"));
                    RecordedRequest query = stellmap.requests("/api/v1/registry/instances").get(0);
                    // Properties first, then the customizers in @Order: the last one wins.
                    assertThat(query.headers()).containsEntry("x-tenant", "second").containsEntry("x-first", "1");
                    List<IotConnectionStateChangedEvent> events = context.getBean(ConnectionEvents.class).events;
                    assertThat(events).singleElement().satisfies((event) -> {
                        assertThat(event.getPlatform()).isEqualTo("stellmap");
                        assertThat(event.isConnected()).isTrue();
                    });
                });
        }
    }

    @Test
    void bindsEveryProperty() {
        Map<String, String> values = Map.ofEntries(Map.entry("iot.stellmap.server-url", "http://a:8080,http://b:8080"),
                Map.entry("iot.stellmap.namespace", "staging"), Map.entry("iot.stellmap.labels.lane", "blue"),
                Map.entry("iot.stellmap.metadata.git", "5f1c2e"), Map.entry("iot.stellmap.zone", "eu-1a"),
                Map.entry("iot.stellmap.lease-ttl", "20s"), Map.entry("iot.stellmap.headers.X-Gateway-Key", "s3cret"),
                Map.entry("iot.stellmap.endpoints[0].name", "metrics"),
                Map.entry("iot.stellmap.endpoints[0].path", "/actuator/prometheus"),
                Map.entry("iot.stellmap.endpoints[0].port", "8081"), Map.entry("iot.stellmap.discovery.endpoint", "grpc"),
                Map.entry("iot.stellmap.connect-timeout", "3s"), Map.entry("iot.stellmap.request-timeout", "4s"),
                Map.entry("iot.stellmap.idle-timeout", "60s"),
                Map.entry("iot.stellmap.reconnect.initial-delay", "2s"), Map.entry("iot.stellmap.reconnect.max-delay", "20s"),
                Map.entry("iot.stellmap.reconnect.multiplier", "1.5"), Map.entry("iot.stellmap.reconnect.jitter", "0.1"),
                Map.entry("iot.stellmap.ssl.bundle", "stellmap"));
        StellMapProperties properties = new Binder(new MapConfigurationPropertySource(values))
            .bind("iot.stellmap", StellMapProperties.class).get();
        assertThat(properties.getServerUrl()).containsExactly(URI.create("http://a:8080"), URI.create("http://b:8080"));
        assertThat(properties.getNamespace()).isEqualTo("staging");
        assertThat(properties.getLabels()).containsExactly(Map.entry("lane", "blue"));
        assertThat(properties.getMetadata()).containsExactly(Map.entry("git", "5f1c2e"));
        assertThat(properties.getZone()).isEqualTo("eu-1a");
        assertThat(properties.getLeaseTtl()).hasSeconds(20);
        assertThat(StellMapRegistrationFactory.heartbeatInterval(properties)).hasSeconds(6);
        assertThat(properties.getHeaders()).containsExactly(Map.entry("X-Gateway-Key", "s3cret"));
        StellMapProperties.EndpointProperties endpoint = properties.getEndpoints().get(0);
        assertThat(endpoint.getName()).isEqualTo("metrics");
        assertThat(endpoint.getPath()).isEqualTo("/actuator/prometheus");
        assertThat(endpoint.getPort()).isEqualTo(8081);
        assertThat(endpoint.getProtocol()).isEqualTo("http");
        assertThat(properties.getDiscovery().getEndpoint()).isEqualTo("grpc");
        assertThat(properties.getConnectTimeout()).hasSeconds(3);
        assertThat(properties.getRequestTimeout()).hasSeconds(4);
        assertThat(properties.getIdleTimeout()).hasSeconds(60);
        assertThat(properties.getReconnect().toBackoff())
            .isEqualTo(new RetryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(20), 1.5, 0.1));
        assertThat(properties.getSsl().getBundle()).isEqualTo("stellmap");
        assertThat(properties.toString()).contains("X-Gateway-Key").doesNotContain("s3cret");
    }

    @Test
    void theRegistrationAdvertisesTheWebServerPortAndListedEndpoints() {
        StellMapProperties properties = new StellMapProperties();
        properties.setNamespace("staging");
        properties.setHost("10.1.2.3");
        properties.setOrganization("acme");
        properties.setBusinessDomain("retail");
        properties.setCapabilityDomain("cart");
        properties.setApplication("cart-svc");
        properties.setRole("api");
        StellMapProperties.EndpointProperties metrics = new StellMapProperties.EndpointProperties();
        metrics.setName("metrics");
        metrics.setPath("/actuator/prometheus");
        properties.setEndpoints(List.of(metrics));
        StellMapRegistrationFactory factory = new StellMapRegistrationFactory(properties, "cart-svc");

        RegisterRequest request = factory.apply(OptionalInt.of(8443));
        assertThat(request.service()).isEqualTo("acme.retail.cart.cart-svc.api");
        assertThat(request.instanceId()).isEqualTo("cart-svc-10.1.2.3-8443");
        assertThat(request.endpoints()).containsExactly(new Endpoint("http", "http", "10.1.2.3", 8443, null, 0),
                new Endpoint("metrics", "http", "10.1.2.3", 8443, "/actuator/prometheus", 0));
        assertThat(request.leaseTtl()).hasSeconds(30);

        // Without web server only endpoints with their own port can be advertised.
        assertThatIllegalStateException().isThrownBy(() -> factory.apply(OptionalInt.empty()))
            .withMessageContaining("iot.stellmap.endpoints[n].port");
        properties.setPort(9000);
        assertThat(new StellMapRegistrationFactory(properties, "cart-svc").apply(OptionalInt.empty()).instanceId())
            .isEqualTo("cart-svc-10.1.2.3-9000");
    }

    @Test
    void theServiceDefaultsToTheApplicationName() {
        StellMapProperties properties = new StellMapProperties();
        properties.setNamespace("staging");
        assertThat(StellMapRegistrationFactory.resolveService(properties, "order-service")).isEqualTo("order-service");
        assertThatExceptionOfType(IotConfigurationException.class)
            .isThrownBy(() -> StellMapRegistrationFactory.resolveService(properties, null))
            .satisfies((ex) -> assertThat(ex.getProperty()).isEqualTo("iot.stellmap.service"));
    }

    @Configuration(proxyBeanMethods = false)
    static class Customizers {

        @Bean
        @Order(2)
        StellMapCustomizer second() {
            return (settings) -> settings.header("X-Tenant", "second");
        }

        @Bean
        @Order(1)
        StellMapCustomizer first() {
            return (settings) -> settings.header("X-Tenant", "first").header("X-First", "1");
        }

        @Bean
        ConnectionEvents connectionEvents() {
            return new ConnectionEvents();
        }
    }

    static class ConnectionEvents implements ApplicationListener<IotConnectionStateChangedEvent> {

        final List<IotConnectionStateChangedEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void onApplicationEvent(IotConnectionStateChangedEvent event) {
            this.events.add(event);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnRegistry {

        @Bean
        StellMapRegistry ownRegistry() {
            return new StellMapHttpRegistry(WebClient.builder(), StellMapClientSettings.of(URI.create("http://127.0.0.1:2")),
                    "mine");
        }
    }
}
