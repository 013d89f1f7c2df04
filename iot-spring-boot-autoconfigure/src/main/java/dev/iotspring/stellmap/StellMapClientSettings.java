package dev.iotspring.stellmap;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.core.http.HttpClientSettings;
import org.springframework.boot.ssl.SslBundle;

/**
 * How the registry reaches StellMap.
 *
 * @param serverUrls one or more nodes; reads and watches go to any of them (the next one on connection
 *     errors), writes to the leader ({@code not_leader} answers are followed once and the leader remembered)
 * @param http connect timeout, request timeout (its response timeout), extra headers and TLS; its base URL is
 *     ignored
 * @param watchIdleTimeout longest silence tolerated on a watch stream before reconnecting; keep it above three
 *     keepalive periods of the server (15-30 s)
 * @param reconnect delays between watch reconnect attempts after errors; its initial delay also paces reconnects
 *     after the server ended a stream
 */
public record StellMapClientSettings(List<URI> serverUrls, HttpClientSettings http, Duration watchIdleTimeout,
        RetryBackoff reconnect) {

    public StellMapClientSettings {
        serverUrls = List.copyOf(serverUrls);
        if (serverUrls.isEmpty()) {
            throw new StellMapValidationException("serverUrls", "must hold at least one StellMap server URL");
        }
    }

    /** Defaults for one server: 5 s connect, 10 s request, 90 s watch idle, reconnect 1 s doubling to 10 s. */
    public static StellMapClientSettings of(URI serverUrl) {
        return new StellMapClientSettings(List.of(serverUrl), HttpClientSettings.of(serverUrl), Duration.ofSeconds(90),
                new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 2.0, 0.2));
    }

    /** A builder with the defaults of {@link #of(URI)} and no server yet. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Settings under construction; the auto-configuration fills it from {@code iot.stellmap.*} and lets every
     * {@code StellMapCustomizer} bean adjust it before the registry is built.
     */
    public static final class Builder {

        private final List<URI> serverUrls = new ArrayList<>();

        private Duration connectTimeout = Duration.ofSeconds(5);

        private Duration requestTimeout = Duration.ofSeconds(10);

        private final Map<String, String> headers = new LinkedHashMap<>();

        private @Nullable SslBundle sslBundle;

        private Duration watchIdleTimeout = Duration.ofSeconds(90);

        private RetryBackoff reconnect = new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 2.0, 0.2);

        private Builder() {
        }

        /** Replaces the server URLs. */
        public Builder serverUrls(List<URI> urls) {
            this.serverUrls.clear();
            this.serverUrls.addAll(urls);
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Time to wait for the answer to a request (register, heartbeat, deregister, query). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /** Adds (or replaces) a header sent with every request; values are never logged. */
        public Builder header(String name, String value) {
            this.headers.put(name, value);
            return this;
        }

        public Builder sslBundle(@Nullable SslBundle bundle) {
            this.sslBundle = bundle;
            return this;
        }

        public Builder watchIdleTimeout(Duration timeout) {
            this.watchIdleTimeout = timeout;
            return this;
        }

        public Builder reconnect(RetryBackoff backoff) {
            this.reconnect = backoff;
            return this;
        }

        public StellMapClientSettings build() {
            if (this.serverUrls.isEmpty()) {
                throw new StellMapValidationException("serverUrls", "must hold at least one StellMap server URL");
            }
            return new StellMapClientSettings(this.serverUrls, new HttpClientSettings(this.serverUrls.get(0),
                    this.connectTimeout, this.requestTimeout, this.headers, this.sslBundle), this.watchIdleTimeout,
                    this.reconnect);
        }
    }
}
