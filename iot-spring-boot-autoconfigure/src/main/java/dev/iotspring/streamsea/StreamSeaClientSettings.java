package dev.iotspring.streamsea;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.ssl.SslBundle;

import dev.iotspring.core.delivery.RetryBackoff;

/**
 * Everything a {@link StreamSeaTemplate} and its {@link StreamSeaConnection} need. Build with
 * {@link #builder(String, String)}; the auto-configuration builds it from {@code iot.stream-sea.*}.
 *
 * @param host server host
 * @param port server port
 * @param secure https/wss when true, http/ws otherwise
 * @param clientId client id, used by both HTTP Basic auth and the WebSocket {@code authenticate} frame
 * @param clientSecret client secret for HTTP Basic auth and WebSocket basic auth; {@code null} when only a
 *     token source is configured (then only subscriptions work)
 * @param tokenSource when set, the WebSocket authenticates with {@code type:"jwt"} and a token from it
 * @param connectTimeout TCP connect timeout
 * @param requestTimeout how long an HTTP call waits for the server's answer
 * @param authTimeout time the server gets to answer the {@code authenticate} frame
 * @param idleTimeout reconnect when no frame (pings included) arrived for this long; zero disables it
 * @param reconnect delays between WebSocket connection attempts (reset once a socket authenticated)
 * @param maxFrameSize largest WebSocket message accepted, in bytes
 * @param compressRequests gzip HTTP request bodies ({@code Content-Encoding: gzip})
 * @param sslBundle TLS material; {@code null} means the JVM trust store
 */
public record StreamSeaClientSettings(String host, int port, boolean secure, String clientId,
        @Nullable String clientSecret, @Nullable StreamSeaTokenSource tokenSource, Duration connectTimeout,
        Duration requestTimeout, Duration authTimeout, Duration idleTimeout, RetryBackoff reconnect,
        int maxFrameSize, boolean compressRequests, @Nullable SslBundle sslBundle) {

    public StreamSeaClientSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(reconnect, "reconnect");
        if (clientSecret == null && tokenSource == null) {
            throw new IllegalArgumentException("stream-sea needs a client secret or a JWT token source");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be between 1 and 65535 but was " + port);
        }
    }

    public static Builder builder(String host, String clientId) {
        return new Builder(host, clientId);
    }

    /** {@code http(s)://host:port/api/v1}. */
    public URI httpBaseUri() {
        return URI.create((this.secure ? "https" : "http") + "://" + hostForUri() + ":" + this.port + "/api/v1");
    }

    /** {@code ws(s)://host:port/api/v1/streams}. */
    public URI webSocketUri() {
        return URI.create((this.secure ? "wss" : "ws") + "://" + hostForUri() + ":" + this.port + "/api/v1/streams");
    }

    private String hostForUri() {
        return (this.host.indexOf(':') >= 0 && !this.host.startsWith("[")) ? "[" + this.host + "]" : this.host;
    }

    public Builder toBuilder() {
        Builder builder = new Builder(this.host, this.clientId);
        builder.port = this.port;
        builder.secure = this.secure;
        builder.clientSecret = this.clientSecret;
        builder.tokenSource = this.tokenSource;
        builder.connectTimeout = this.connectTimeout;
        builder.requestTimeout = this.requestTimeout;
        builder.authTimeout = this.authTimeout;
        builder.idleTimeout = this.idleTimeout;
        builder.reconnect = this.reconnect;
        builder.maxFrameSize = this.maxFrameSize;
        builder.compressRequests = this.compressRequests;
        builder.sslBundle = this.sslBundle;
        return builder;
    }

    @Override
    public String toString() {
        return "StreamSeaClientSettings[" + httpBaseUri() + ", clientId=" + this.clientId + ", clientSecret="
                + (this.clientSecret != null ? "******" : "none") + ", auth=" + (this.tokenSource != null ? "jwt" : "basic")
                + ", maxFrameSize=" + this.maxFrameSize + ", ssl=" + (this.sslBundle != null) + "]";
    }

    public static final class Builder {

        private final String host;

        private final String clientId;

        private @Nullable Integer port;

        private boolean secure = true;

        private @Nullable String clientSecret;

        private @Nullable StreamSeaTokenSource tokenSource;

        private Duration connectTimeout = Duration.ofSeconds(5);

        private Duration requestTimeout = Duration.ofSeconds(10);

        private Duration authTimeout = Duration.ofSeconds(10);

        private Duration idleTimeout = Duration.ofSeconds(75);

        private RetryBackoff reconnect = new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0, 0.2);

        private int maxFrameSize = 10 * 1024 * 1024;

        private boolean compressRequests;

        private @Nullable SslBundle sslBundle;

        Builder(String host, String clientId) {
            this.host = host;
            this.clientId = clientId;
        }

        /** Defaults to 443 when secure, 80 otherwise. */
        public Builder port(@Nullable Integer port) {
            this.port = port;
            return this;
        }

        public Builder secure(boolean secure) {
            this.secure = secure;
            return this;
        }

        public Builder clientSecret(@Nullable String clientSecret) {
            this.clientSecret = clientSecret;
            return this;
        }

        public Builder tokenSource(@Nullable StreamSeaTokenSource tokenSource) {
            this.tokenSource = tokenSource;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        public Builder authTimeout(Duration authTimeout) {
            this.authTimeout = authTimeout;
            return this;
        }

        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        /** Doubling from {@code initialDelay} up to {@code maxDelay}, keeping the current jitter. */
        public Builder reconnect(Duration initialDelay, Duration maxDelay) {
            return reconnect(new RetryBackoff(initialDelay, maxDelay, this.reconnect.multiplier(),
                    this.reconnect.jitter()));
        }

        public Builder reconnect(RetryBackoff reconnect) {
            this.reconnect = Objects.requireNonNull(reconnect, "reconnect");
            return this;
        }

        public Builder maxFrameSize(int maxFrameSize) {
            this.maxFrameSize = maxFrameSize;
            return this;
        }

        public Builder compressRequests(boolean compressRequests) {
            this.compressRequests = compressRequests;
            return this;
        }

        public Builder sslBundle(@Nullable SslBundle sslBundle) {
            this.sslBundle = sslBundle;
            return this;
        }

        public StreamSeaClientSettings build() {
            int effectivePort = (this.port != null) ? this.port : (this.secure ? 443 : 80);
            return new StreamSeaClientSettings(this.host, effectivePort, this.secure, this.clientId, this.clientSecret,
                    this.tokenSource, this.connectTimeout, this.requestTimeout, this.authTimeout, this.idleTimeout,
                    this.reconnect, this.maxFrameSize, this.compressRequests,
                    this.sslBundle);
        }
    }
}
