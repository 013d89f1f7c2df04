package dev.iotspring.stellmap;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.core.event.IotEventPublisher;
import org.springframework.web.reactive.function.client.WebClient;

/** Registries pointed at emulator nodes, with short timeouts so failures show quickly. */
final class TestRegistries {

    static final String NAMESPACE = "staging";

    static final String SERVICE = "acme.retail.cart.cart-svc.api";

    private TestRegistries() {
    }

    /** 2 s connect, 5 s request, 30 s watch idle, watch reconnects 50 ms doubling to 500 ms without jitter. */
    static StellMapClientSettings.Builder settings(String... urls) {
        return StellMapClientSettings.builder()
            .serverUrls(Arrays.stream(urls).map(URI::create).toList())
            .connectTimeout(Duration.ofSeconds(2))
            .requestTimeout(Duration.ofSeconds(5))
            .watchIdleTimeout(Duration.ofSeconds(30))
            .reconnect(new RetryBackoff(Duration.ofMillis(50), Duration.ofMillis(500), 2.0, 0.0));
    }

    static StellMapHttpRegistry registry(StellMapClientSettings.Builder settings, @Nullable IotEventPublisher events) {
        return new StellMapHttpRegistry(WebClient.builder(), settings.build(), NAMESPACE, events);
    }

    static StellMapHttpRegistry registry(Duration watchIdleTimeout, String... urls) {
        return registry(settings(urls).watchIdleTimeout(watchIdleTimeout), null);
    }

    static StellMapHttpRegistry registry(String... urls) {
        return registry(settings(urls), null);
    }

    static RegisterRequest instance(String id, int port) {
        return new RegisterRequest(NAMESPACE, SERVICE, id, "eu-1a", Map.of("lane", "blue", "version", "2.4.0"),
                Map.of("git", "5f1c2e"), List.of(Endpoint.of("http", "10.1.2.3", port),
                        new Endpoint("metrics", "http", "10.1.2.3", port + 1, "/actuator/prometheus", 0)),
                Duration.ofSeconds(20));
    }
}
