package dev.iotspring.stellmap.autoconfigure;

import java.time.Duration;

import dev.iotspring.stellmap.StellMapRegistry;
import dev.iotspring.stellmap.cloud.StellMapDiscoveryClient;
import dev.iotspring.stellmap.cloud.StellMapHeartbeatPublisher;
import dev.iotspring.stellmap.cloud.StellMapReactiveDiscoveryClient;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.ConditionalOnBlockingDiscoveryEnabled;
import org.springframework.cloud.client.ConditionalOnDiscoveryEnabled;
import org.springframework.cloud.client.ConditionalOnReactiveDiscoveryEnabled;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Cloud {@code DiscoveryClient} and {@code ReactiveDiscoveryClient} backed by the StellMap cache, when
 * spring-cloud-commons is on the classpath; with Spring Cloud LoadBalancer, {@code lb://<service>} URIs resolve
 * through StellMap. Switches: {@code iot.stellmap.discovery.enabled}, {@code spring.cloud.discovery.enabled},
 * {@code spring.cloud.discovery.blocking.enabled}, {@code spring.cloud.discovery.reactive.enabled}. Cache changes
 * are announced as Spring Cloud {@code HeartbeatEvent}s.
 */
@AutoConfiguration(after = StellMapAutoConfiguration.class,
        beforeName = { "org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration",
                "org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryClientAutoConfiguration",
                "org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClientAutoConfiguration",
                "org.springframework.cloud.client.discovery.composite.reactive.ReactiveCompositeDiscoveryClientAutoConfiguration",
                "org.springframework.cloud.client.CommonsClientAutoConfiguration",
                "org.springframework.cloud.client.ReactiveCommonsClientAutoConfiguration" })
@ConditionalOnClass(DiscoveryClient.class)
@ConditionalOnBooleanProperty("iot.stellmap.enabled")
@ConditionalOnBooleanProperty(name = "iot.stellmap.discovery.enabled", matchIfMissing = true)
@ConditionalOnDiscoveryEnabled
@ConditionalOnBean(StellMapRegistry.class)
public final class StellMapDiscoveryAutoConfiguration {

    StellMapDiscoveryAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean
    StellMapHeartbeatPublisher stellMapHeartbeatPublisher(StellMapRegistry registry,
            ApplicationEventPublisher publisher) {
        return new StellMapHeartbeatPublisher(registry, publisher, Duration.ofMillis(500));
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBlockingDiscoveryEnabled
    static class Blocking {

        @Bean
        @ConditionalOnMissingBean
        StellMapDiscoveryClient stellMapDiscoveryClient(StellMapRegistry registry, StellMapProperties properties) {
            return new StellMapDiscoveryClient(registry, properties.getDiscovery().getEndpoint());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnReactiveDiscoveryEnabled
    static class Reactive {

        @Bean
        @ConditionalOnMissingBean
        StellMapReactiveDiscoveryClient stellMapReactiveDiscoveryClient(StellMapRegistry registry,
                StellMapProperties properties) {
            return new StellMapReactiveDiscoveryClient(registry, properties.getDiscovery().getEndpoint());
        }
    }
}
