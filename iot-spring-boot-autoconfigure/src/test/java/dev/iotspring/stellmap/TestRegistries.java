package dev.iotspring.stellmap;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.iotspring.core.http.HttpClientSettings;
import org.springframework.web.reactive.function.client.WebClient;

/** Registries pointed at emulator nodes, with short timeouts so failures show quickly. */
final class TestRegistries {

    static final String NAMESPACE = "staging";

    static final String SERVICE = "acme.retail.cart.cart-svc.api";

    private TestRegistries() {
    }

    static StellMapRegistry registry(Duration watchIdleTimeout, String... urls) {
        List<URI> servers = Arrays.stream(urls).map(URI::create).toList();
        HttpClientSettings http = new HttpClientSettings(servers.get(0), Duration.ofSeconds(2), Duration.ofSeconds(5),
                Map.of(), null);
        return new StellMapRegistry(WebClient.builder(),
                new StellMapClientSettings(servers, http, watchIdleTimeout, Duration.ofMillis(50),
                        Duration.ofMillis(500)), NAMESPACE);
    }

    static StellMapRegistry registry(String... urls) {
        return registry(Duration.ofSeconds(30), urls);
    }

    static RegisterRequest instance(String id, int port) {
        return new RegisterRequest(NAMESPACE, SERVICE, id, "eu-1a", Map.of("lane", "blue", "version", "2.4.0"),
                Map.of("git", "5f1c2e"), List.of(Endpoint.of("http", "10.1.2.3", port),
                        new Endpoint("metrics", "http", "10.1.2.3", port + 1, "/actuator/prometheus", 0)),
                Duration.ofSeconds(20));
    }
}
