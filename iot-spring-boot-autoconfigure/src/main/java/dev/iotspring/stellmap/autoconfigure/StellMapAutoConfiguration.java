package dev.iotspring.stellmap.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.config.PropertyChecks;
import dev.iotspring.core.event.IotEventPublisher;
import dev.iotspring.core.http.IotWebClientBuilders;
import dev.iotspring.core.observation.IotObservations;
import dev.iotspring.stellmap.StellMapAutoRegistration;
import dev.iotspring.stellmap.StellMapClientSettings;
import dev.iotspring.stellmap.StellMapHttpRegistry;
import dev.iotspring.stellmap.StellMapRegistry;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * StellMap registry client, auto-registration (register when the web server's port is known, heartbeat,
 * deregister first on shutdown), health and meters. Active with {@code iot.stellmap.enabled=true}.
 */
@AutoConfiguration(after = IotCoreAutoConfiguration.class)
@ConditionalOnBooleanProperty("iot.stellmap.enabled")
@ConditionalOnClass({ WebClient.class, HttpClient.class, JsonMapper.class })
@EnableConfigurationProperties(StellMapProperties.class)
public final class StellMapAutoConfiguration {

    static final String PLATFORM = "stellmap";

    static final String PREFIX = "iot.stellmap";

    static final String EXAMPLE_URL = "iot:\n  stellmap:\n    server-url: http://stellmap-1:8080,http://stellmap-2:8080";

    StellMapAutoConfiguration() {
    }

    /** The nodes of {@code iot.stellmap.server-url}, unless the application (or a test) has its own. */
    @Bean
    @ConditionalOnMissingBean(StellMapConnectionDetails.class)
    PropertiesStellMapConnectionDetails stellMapConnectionDetails(StellMapProperties properties) {
        return new PropertiesStellMapConnectionDetails(properties);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(StellMapRegistry.class)
    StellMapHttpRegistry stellMapRegistry(StellMapProperties properties, ListableBeanFactory beanFactory,
            ObjectProvider<SslBundles> sslBundles, ObjectProvider<StellMapCustomizer> customizers,
            ApplicationEventPublisher publisher, StellMapConnectionDetails connectionDetails) {
        StellMapClientSettings settings = clientSettings(properties, connectionDetails.serverUrls(), sslBundles.getIfAvailable(),
                customizers);
        // Never the application's @LoadBalanced builder: StellMap's own calls would resolve through StellMap.
        StellMapHttpRegistry registry = new StellMapHttpRegistry(IotWebClientBuilders.forPlatform(beanFactory),
                settings, requireNamespace(properties), new IotEventPublisher(PLATFORM, publisher));
        registry.setObservations(IotObservations.forPlatform(beanFactory, properties.isObservationEnabled(), PLATFORM));
        return registry;
    }

    @Bean
    StellMapWatchLifecycle stellMapWatchLifecycle(StellMapRegistry registry) {
        return new StellMapWatchLifecycle(registry);
    }

    /**
     * {@code iot.stellmap.*} checked and turned into client settings, then adjusted by the customizers; the node
     * URLs come from the {@link StellMapConnectionDetails} bean.
     */
    static StellMapClientSettings clientSettings(StellMapProperties properties, List<URI> urls,
            @Nullable SslBundles sslBundles, ObjectProvider<StellMapCustomizer> customizers) {
        if (urls.isEmpty()) {
            throw IotConfigurationException.missing(PREFIX + ".server-url", EXAMPLE_URL);
        }
        for (URI url : urls) {
            if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))
                    || url.getHost() == null) {
                throw new IotConfigurationException(PREFIX + ".server-url",
                        "'" + url + "' is not an http(s) URL with a host", EXAMPLE_URL);
            }
        }
        requirePositive(properties.getConnectTimeout(), "connect-timeout", "connect-timeout: 5s");
        requirePositive(properties.getRequestTimeout(), "request-timeout", "request-timeout: 10s");
        requirePositive(properties.getIdleTimeout(), "idle-timeout", "idle-timeout: 90s");
        properties.getReconnect().validate(PREFIX + ".reconnect");
        StellMapClientSettings.Builder settings = StellMapClientSettings.builder()
            .serverUrls(urls)
            .connectTimeout(properties.getConnectTimeout())
            .requestTimeout(properties.getRequestTimeout())
            .sslBundle(properties.getSsl().resolve(sslBundles, PREFIX + ".ssl"))
            .watchIdleTimeout(properties.getIdleTimeout())
            .reconnect(properties.getReconnect().toBackoff());
        properties.getHeaders().forEach(settings::header);
        customizers.orderedStream().forEach((customizer) -> customizer.customize(settings));
        return settings.build();
    }

    static String requireNamespace(StellMapProperties properties) {
        String namespace = properties.getNamespace();
        if (namespace == null || namespace.isBlank()) {
            throw IotConfigurationException.missing("iot.stellmap.namespace",
                    "iot:\n  stellmap:\n    namespace: staging");
        }
        StellMapRegistrationFactory.checkIdentifier(namespace.trim(), "namespace", "namespace: staging");
        return namespace.trim();
    }

    private static void requirePositive(@Nullable Duration value, String property, String example) {
        PropertyChecks.requirePositive(value, "iot.stellmap." + property, "iot:\n  stellmap:\n    " + example);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty(name = "iot.stellmap.auto-registration", matchIfMissing = true)
    // Spring Cloud's own switch, so applications moving from Consul or Eureka keep working.
    @ConditionalOnBooleanProperty(name = "spring.cloud.service-registry.auto-registration.enabled",
            matchIfMissing = true)
    static class AutoRegistrationConfiguration {

        @Bean
        @ConditionalOnMissingBean
        StellMapAutoRegistration stellMapAutoRegistration(StellMapRegistry registry, StellMapProperties properties,
                Environment environment) {
            StellMapRegistrationFactory factory = new StellMapRegistrationFactory(properties,
                    environment.getProperty("spring.application.name"));
            return new StellMapAutoRegistration(registry, factory,
                    StellMapRegistrationFactory.heartbeatInterval(properties),
                    properties.getRequestTimeout().plus(properties.getConnectTimeout()));
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(WebServerInitializedEvent.class)
        static class WebServerPortConfiguration {

            @Bean
            static ApplicationListener<WebServerInitializedEvent> stellMapWebServerPortListener(
                    ObjectProvider<StellMapAutoRegistration> registration) {
                return new WebServerPortListener(registration);
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
    @ConditionalOnEnabledHealthIndicator("stellmap")
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "stellmapHealthIndicator")
        StellMapHealthIndicator stellmapHealthIndicator(StellMapRegistry registry,
                ObjectProvider<StellMapAutoRegistration> registration) {
            return new StellMapHealthIndicator(registry, registration.getIfAvailable());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ MeterRegistry.class, MeterBinder.class })
    static class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "stellMapMeterBinder")
        StellMapMeterBinder stellMapMeterBinder(StellMapRegistry registry,
                ObjectProvider<StellMapAutoRegistration> registration) {
            return new StellMapMeterBinder(registry, registration.getIfAvailable());
        }
    }
}
