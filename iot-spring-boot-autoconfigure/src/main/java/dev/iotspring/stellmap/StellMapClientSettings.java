package dev.iotspring.stellmap;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import dev.iotspring.core.http.HttpClientSettings;

/**
 * How the registry reaches StellMap.
 *
 * @param serverUrls one or more nodes; reads and watches go to any of them (the next one on connection
 *     errors), writes to the leader ({@code not_leader} answers are followed once and the leader remembered)
 * @param http timeouts, extra headers and TLS for requests; its base URL is ignored
 * @param watchIdleTimeout longest silence tolerated on a watch stream before reconnecting; keep it above three
 *     keepalive periods of the server (15-30 s)
 * @param reconnectMinBackoff first delay before reconnecting a watch after an error
 * @param reconnectMaxBackoff longest delay between watch reconnect attempts
 */
public record StellMapClientSettings(List<URI> serverUrls, HttpClientSettings http, Duration watchIdleTimeout,
        Duration reconnectMinBackoff, Duration reconnectMaxBackoff) {

    public StellMapClientSettings {
        serverUrls = List.copyOf(serverUrls);
        if (serverUrls.isEmpty()) {
            throw new IllegalArgumentException("At least one StellMap server URL is required");
        }
    }

    /** Defaults for one server: 5 s connect, 10 s response, 90 s watch idle, 1 s..10 s reconnect backoff. */
    public static StellMapClientSettings of(URI serverUrl) {
        return new StellMapClientSettings(List.of(serverUrl), HttpClientSettings.of(serverUrl), Duration.ofSeconds(90),
                Duration.ofSeconds(1), Duration.ofSeconds(10));
    }
}
