package dev.iotspring.core.autoconfigure;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.astarte.AstarteDevice;
import dev.iotspring.astarte.autoconfigure.AstarteAutoConfiguration;
import dev.iotspring.spotflow.SpotflowSender;
import dev.iotspring.spotflow.autoconfigure.SpotflowAutoConfiguration;
import dev.iotspring.stellanow.StellaNowTemplate;
import dev.iotspring.stellanow.autoconfigure.StellaNowAutoConfiguration;
import dev.iotspring.stellmap.StellMapRegistry;
import dev.iotspring.stellmap.autoconfigure.StellMapAutoConfiguration;
import dev.iotspring.streamsea.StreamSeaTemplate;
import dev.iotspring.streamsea.autoconfigure.StreamSeaAutoConfiguration;

import org.springframework.aot.test.generate.TestGenerationContext;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.test.tools.CompileWithForkedClassLoader;
import org.springframework.core.test.tools.TestCompiler;
import org.springframework.javapoet.ClassName;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ahead-of-time processing, as {@code spring-boot:process-aot} does for an application built for AOT or a native
 * image: the bean definitions of all five platforms are generated as code, compiled, and that code alone starts a
 * context with every platform's bean and health indicator.
 */
class IotAotProcessingTests {

    @TempDir
    Path storage;

    @Test
    @CompileWithForkedClassLoader // the generated code calls package-private constructors and factory methods
    void everyPlatformStartsFromItsAheadOfTimeGeneratedBeanDefinitions() {
        // Nothing listens on port 1: the platforms retry in the background, which is all this test needs.
        List<String> properties = List.of("iot.storage.directory=" + this.storage, "iot.shutdown.drain-timeout=100ms",
                "iot.stellanow.enabled=true", "iot.stellanow.organization-id=0f5a2c9e-3b1d-4c7a-9e2f-8a6b5c4d3e21",
                "iot.stellanow.project-id=7c1e4b2a-9d3f-4e8a-b6c5-1a2b3c4d5e6f",
                "iot.stellanow.broker-url=mqtt://127.0.0.1:1", "iot.stellanow.auth.strategy=none",
                "iot.stream-sea.enabled=true", "iot.stream-sea.remote-host=127.0.0.1", "iot.stream-sea.remote-port=1",
                "iot.stream-sea.secure=false", "iot.stream-sea.client-id=svc", "iot.stream-sea.client-secret=s3cr3t",
                "iot.stellmap.enabled=true", "iot.stellmap.server-url=http://127.0.0.1:1",
                "iot.stellmap.namespace=staging", "iot.stellmap.port=8080", "spring.application.name=cart-svc",
                "iot.astarte.enabled=true", "iot.astarte.realm=test",
                "iot.astarte.pairing-url=http://127.0.0.1:1/pairing", "iot.astarte.device-id=mT56ik-VWRqYOYveajVUtg",
                "iot.astarte.credentials-secret=TTkd5OgB13X/3qU0LXU7OCxyTXz5QHM2NY1IgidtPOs=",
                "iot.spotflow.enabled=true", "iot.spotflow.instance=http://127.0.0.1:1",
                "iot.spotflow.provisioning-token=token", "iot.spotflow.device-id=device-1");
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class, StellaNowAutoConfiguration.class,
                    StreamSeaAutoConfiguration.class, StellMapAutoConfiguration.class, AstarteAutoConfiguration.class,
                    SpotflowAutoConfiguration.class))
            .withPropertyValues(properties.toArray(String[]::new))
            .prepare((prepared) -> {
                GenericApplicationContext source = prepared.getSourceApplicationContext(GenericApplicationContext.class);
                TestGenerationContext generation = new TestGenerationContext();
                ClassName initializerName = new ApplicationContextAotGenerator().processAheadOfTime(source, generation);
                generation.writeGeneratedContent();
                TestCompiler.forSystem().with(generation).compile((compiled) -> {
                    try (GenericApplicationContext fresh = new GenericApplicationContext()) {
                        TestPropertyValues.of(properties).applyTo(fresh);
                        @SuppressWarnings("unchecked")
                        ApplicationContextInitializer<GenericApplicationContext> initializer = compiled
                            .getInstance(ApplicationContextInitializer.class, initializerName.toString());
                        initializer.initialize(fresh);
                        fresh.refresh();
                        for (Class<?> bean : List.of(StellaNowTemplate.class, StreamSeaTemplate.class,
                                StellMapRegistry.class, AstarteDevice.class, SpotflowSender.class)) {
                            assertThat(fresh.getBeansOfType(bean)).as(bean.getSimpleName()).hasSize(1);
                        }
                        assertThat(fresh.getBeansOfType(HealthIndicator.class)).containsKeys("stellanowHealthIndicator",
                                "streamseaHealthIndicator", "stellmapHealthIndicator", "astarteHealthIndicator",
                                "spotflowHealthIndicator");
                    }
                });
            });
    }
}
