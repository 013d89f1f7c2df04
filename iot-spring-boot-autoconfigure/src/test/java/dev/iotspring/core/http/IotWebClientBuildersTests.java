package dev.iotspring.core.http;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

class IotWebClientBuildersTests {

    final AtomicInteger customized = new AtomicInteger();

    final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(WebClientAutoConfiguration.class))
        .withBean(WebClientCustomizer.class, () -> (builder) -> this.customized.incrementAndGet());

    @Test
    void usesBootsPrototypeBuilderWithTheApplicationsCustomizers() {
        this.runner.run((context) -> {
            WebClient.Builder first = IotWebClientBuilders.forPlatform(context);
            WebClient.Builder second = IotWebClientBuilders.forPlatform(context);
            assertThat(first).isNotSameAs(second);
            assertThat(this.customized).hasValue(2);
        });
    }

    @Test
    void neverUsesABuilderTheApplicationReplacedBootsWith() {
        // Typically a @LoadBalanced builder: a platform's fixed server URL must not go through discovery.
        WebClient.Builder applications = WebClient.builder();
        this.runner.withBean("loadBalanced", WebClient.Builder.class, () -> applications).run((context) -> {
            assertThat(context).doesNotHaveBean("webClientBuilder");
            WebClient.Builder builder = IotWebClientBuilders.forPlatform(context);
            assertThat(builder).isNotSameAs(applications);
            assertThat(this.customized).as("the application's customizers still apply").hasValue(1);
        });
        this.runner.withBean("webClientBuilder", WebClient.Builder.class, () -> applications).run((context) -> {
            assertThat(IotWebClientBuilders.forPlatform(context)).isNotSameAs(applications);
        });
    }
}
