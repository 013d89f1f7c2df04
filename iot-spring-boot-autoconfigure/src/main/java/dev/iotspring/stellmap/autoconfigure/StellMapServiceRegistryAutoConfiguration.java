package dev.iotspring.stellmap.autoconfigure;

import dev.iotspring.stellmap.StellMapAutoRegistration;
import dev.iotspring.stellmap.cloud.StellMapAutoServiceRegistration;
import dev.iotspring.stellmap.cloud.StellMapRegistration;
import dev.iotspring.stellmap.cloud.StellMapServiceRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.serviceregistry.AutoServiceRegistrationProperties;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * StellMap as a Spring Cloud service registry (modelled on spring-cloud-consul's registry auto-configurations),
 * when spring-cloud-commons is on the classpath and the application registers itself: a
 * {@code Registration} ({@link StellMapRegistration}) bean, a {@code ServiceRegistry} (so
 * {@code /actuator/serviceregistry} reads and sets the status) and an {@code AbstractAutoServiceRegistration}
 * that publishes Spring Cloud's registration events. All three sit on the one {@link StellMapAutoRegistration}
 * lifecycle: the instance is registered once, heartbeats and deregisters first on shutdown as before.
 * {@code spring.cloud.service-registry.auto-registration.enabled=false} and
 * {@code @EnableDiscoveryClient(autoRegister = false)} switch the lifecycle, and so all of this, off.
 */
@AutoConfiguration(after = StellMapAutoConfiguration.class,
        afterName = "org.springframework.cloud.client.serviceregistry.AutoServiceRegistrationAutoConfiguration",
        beforeName = "org.springframework.cloud.client.serviceregistry.ServiceRegistryAutoConfiguration")
@ConditionalOnClass(ServiceRegistry.class)
@ConditionalOnBooleanProperty("iot.stellmap.enabled")
@ConditionalOnBooleanProperty(name = "spring.cloud.service-registry.enabled", matchIfMissing = true)
@ConditionalOnBean(StellMapAutoRegistration.class)
public final class StellMapServiceRegistryAutoConfiguration {

    StellMapServiceRegistryAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean
    StellMapRegistration stellMapRegistration(StellMapAutoRegistration lifecycle, StellMapProperties properties,
            Environment environment) {
        String service = StellMapRegistrationFactory.resolveService(properties,
                environment.getProperty("spring.application.name"));
        return new StellMapRegistration(lifecycle, service, properties.getDiscovery().getEndpoint());
    }

    @Bean
    @ConditionalOnMissingBean
    StellMapServiceRegistry stellMapServiceRegistry(StellMapProperties properties) {
        return new StellMapServiceRegistry(properties.getRequestTimeout().plus(properties.getConnectTimeout()));
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(AutoServiceRegistrationProperties.class)
    StellMapAutoServiceRegistration stellMapAutoServiceRegistration(ApplicationContext context,
            StellMapServiceRegistry serviceRegistry, AutoServiceRegistrationProperties properties,
            StellMapRegistration registration) {
        return new StellMapAutoServiceRegistration(context, serviceRegistry, properties, registration);
    }
}
