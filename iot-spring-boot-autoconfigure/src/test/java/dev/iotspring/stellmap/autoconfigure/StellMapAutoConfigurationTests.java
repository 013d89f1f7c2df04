package dev.iotspring.stellmap.autoconfigure;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.stellmap.Endpoint;
import dev.iotspring.stellmap.RegisterRequest;
import dev.iotspring.stellmap.StellMapAutoRegistration;
import dev.iotspring.stellmap.StellMapClientSettings;
import dev.iotspring.stellmap.StellMapRegistry;
import dev.iotspring.stellmap.cloud.StellMapDiscoveryClient;
import dev.iotspring.stellmap.cloud.StellMapHeartbeatPublisher;
import dev.iotspring.stellmap.cloud.StellMapReactiveDiscoveryClient;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

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
        assertFailure(this.enabled.withPropertyValues("iot.stellmap.watch-reconnect-max-backoff=-1s"),
                "iot.stellmap.watch-reconnect-max-backoff");
        assertFailure(this.enabled.withPropertyValues("iot.stellmap.ssl-bundle=missing"), "iot.stellmap.ssl-bundle");
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
    void bindsEveryProperty() {
        Map<String, String> values = Map.ofEntries(Map.entry("iot.stellmap.server-url", "http://a:8080,http://b:8080"),
                Map.entry("iot.stellmap.namespace", "staging"), Map.entry("iot.stellmap.labels.lane", "blue"),
                Map.entry("iot.stellmap.metadata.git", "5f1c2e"), Map.entry("iot.stellmap.zone", "eu-1a"),
                Map.entry("iot.stellmap.lease-ttl", "20s"), Map.entry("iot.stellmap.headers.X-Gateway-Key", "s3cret"),
                Map.entry("iot.stellmap.endpoints[0].name", "metrics"),
                Map.entry("iot.stellmap.endpoints[0].path", "/actuator/prometheus"),
                Map.entry("iot.stellmap.endpoints[0].port", "8081"), Map.entry("iot.stellmap.discovery.endpoint", "grpc"));
        StellMapProperties properties = new Binder(new MapConfigurationPropertySource(values))
            .bind("iot.stellmap", StellMapProperties.class).get();
        assertThat(properties.getServerUrl()).hasSize(2);
        assertThat(properties.getLabels()).containsEntry("lane", "blue");
        assertThat(properties.effectiveHeartbeatInterval()).hasSeconds(6);
        assertThat(properties.getEndpoints().get(0).getProtocol()).isEqualTo("http");
        assertThat(properties.getDiscovery().getEndpoint()).isEqualTo("grpc");
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
    static class OwnRegistry {

        @Bean
        StellMapRegistry ownRegistry() {
            return new StellMapRegistry(WebClient.builder(),
                    StellMapClientSettings.of(java.net.URI.create("http://127.0.0.1:2")), "mine");
        }
    }
}
