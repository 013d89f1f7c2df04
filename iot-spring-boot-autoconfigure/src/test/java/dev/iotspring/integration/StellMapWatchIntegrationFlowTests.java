package dev.iotspring.integration;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.stellmap.DeregisterRequest;
import dev.iotspring.stellmap.Endpoint;
import dev.iotspring.stellmap.InstanceQuery;
import dev.iotspring.stellmap.RegisterRequest;
import dev.iotspring.stellmap.StellMapBadRequestException;
import dev.iotspring.stellmap.StellMapClientSettings;
import dev.iotspring.stellmap.StellMapHttpRegistry;
import dev.iotspring.stellmap.StellMapRegistry;
import dev.iotspring.stellmap.WatchEvent;
import dev.iotspring.stellmap.WatchOptions;
import dev.iotspring.test.stellmap.StellMapEmulator;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessagingException;
import org.springframework.messaging.support.ErrorMessage;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A StellMap watch as the source of an integration flow, over a real registry client and the emulator: snapshot,
 * registrations and deregistrations arrive in order with their headers; a watch the node refuses ({@code 400}) ends
 * with an error message on the error channel.
 */
class StellMapWatchIntegrationFlowTests {

    static final Duration WAIT = Duration.ofSeconds(30);

    static final String NAMESPACE = "staging";

    static final String SERVICE = "acme.retail.cart.api";

    final StellMapEmulator stellmap = StellMapEmulator.start();

    @AfterEach
    void stop() {
        this.stellmap.close();
    }

    ApplicationContextRunner runner() {
        StellMapClientSettings settings = StellMapClientSettings.builder()
            .serverUrls(List.of(URI.create(this.stellmap.url())))
            .reconnect(new RetryBackoff(Duration.ofMillis(50), Duration.ofMillis(500), 2.0, 0.0))
            .build();
        return new ApplicationContextRunner().withUserConfiguration(Flows.class)
            .withBean(StellMapRegistry.class, () -> new StellMapHttpRegistry(WebClient.builder(), settings, NAMESPACE));
    }

    @Test
    void watchEventsArriveOnTheChannelInOrderWithTheirHeaders() {
        runner().run((context) -> {
            StellMapRegistry registry = context.getBean(StellMapRegistry.class);
            QueueChannel changes = context.getBean("received", QueueChannel.class);
            Message<?> snapshot = changes.receive(WAIT.toMillis());
            assertThat(snapshot).isNotNull();
            assertThat(snapshot.getHeaders()).containsEntry(IotHeaders.STELLMAP_EVENT_TYPE, WatchEvent.Type.SNAPSHOT);

            registry.register(instance("cart-1"));
            registry.register(instance("cart-2"));
            registry.deregister(new DeregisterRequest(NAMESPACE, SERVICE, "cart-1"));

            Message<?> first = changes.receive(WAIT.toMillis());
            Message<?> second = changes.receive(WAIT.toMillis());
            Message<?> third = changes.receive(WAIT.toMillis());
            assertThat(List.of(first, second, third)).extracting((m) -> m.getHeaders()
                .get(IotHeaders.STELLMAP_INSTANCE_ID)).containsExactly("cart-1", "cart-2", "cart-1");
            assertThat(List.of(first, second, third)).extracting((m) -> ((WatchEvent) m.getPayload()).type())
                .containsExactly(WatchEvent.Type.UPSERT, WatchEvent.Type.UPSERT, WatchEvent.Type.DELETE);
            assertThat(first.getHeaders()).containsEntry(IotHeaders.STELLMAP_SERVICE, SERVICE);
            assertThat(first.getHeaders().get(IotHeaders.STELLMAP_REVISION, Long.class))
                .isLessThan(third.getHeaders().get(IotHeaders.STELLMAP_REVISION, Long.class));
        });
    }

    @Test
    void aWatchTheNodeRefusesEndsOnTheErrorChannel() {
        this.stellmap.answerNext("/api/v1/registry/watch", 1, 400, "application/json",
                "{\"code\":\"bad_request\",\"message\":\"invalid selector\"}\n");
        runner().run((context) -> {
            Message<?> error = context.getBean("failures", QueueChannel.class).receive(WAIT.toMillis());
            assertThat(error).isInstanceOf(ErrorMessage.class);
            assertThat(((MessagingException) error.getPayload())).hasMessageContaining("stellmap")
                .hasCauseInstanceOf(StellMapBadRequestException.class);
        });
    }

    static RegisterRequest instance(String id) {
        return new RegisterRequest(NAMESPACE, SERVICE, id, "eu-1a", Map.of("lane", "blue"), Map.of(),
                List.of(Endpoint.of("http", "10.1.2.3", 8080)), Duration.ofSeconds(20));
    }

    @Configuration(proxyBeanMethods = false)
    @Import(TestChannels.class)
    static class Flows {

        @Bean
        IntegrationFlow watchFlow(StellMapRegistry registry) {
            return IntegrationFlow
                .from(IotIntegration.stellMapWatch(registry, WatchOptions.of(InstanceQuery.of(NAMESPACE, SERVICE)))
                    .errorChannel("failures"))
                .channel("received")
                .get();
        }
    }
}
