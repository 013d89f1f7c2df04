package dev.iotspring.streamsea.autoconfigure;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.autoconfigure.OutboundQueueProperties;
import dev.iotspring.core.autoconfigure.ReconnectProperties;
import dev.iotspring.core.autoconfigure.SslProperties;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.util.unit.DataSize;

/**
 * Connection to a stream-sea server: its HTTP API for publishing and schemas, and the WebSocket all
 * subscriptions share.
 */
@ConfigurationProperties("iot.stream-sea")
public class StreamSeaProperties {

    /**
     * Whether to create the StreamSeaTemplate and connect.
     */
    private boolean enabled;

    /**
     * Whether to make each publish an Observation from the call to the server's acknowledgement, and each subscription delivery one (needs an ObservationRegistry bean; conventions from IotSendObservationConvention / IotReceiveObservationConvention beans).
     */
    private boolean observationEnabled;

    /**
     * Host name of the stream-sea server.
     */
    private @Nullable String remoteHost;

    /**
     * Port of the stream-sea server. Defaults to 443 when secure, 80 otherwise.
     */
    private @Nullable Integer remotePort;

    /**
     * Use https and wss. Turn off only for a server on a trusted network or a local emulator.
     */
    private boolean secure = true;

    /**
     * Client id, for HTTP Basic auth and WebSocket authentication.
     */
    private @Nullable String clientId;

    /**
     * Client secret. Required for the HTTP API (publish, schemas); the WebSocket uses it unless a JWT is
     * configured.
     */
    private @Nullable String clientSecret;

    /**
     * Authenticate the WebSocket with a JWT instead of the client secret.
     */
    private final Jwt jwt = new Jwt();

    /**
     * Reconnect delays of the WebSocket.
     */
    @NestedConfigurationProperty
    private final ReconnectProperties reconnect = new ReconnectProperties(Duration.ofSeconds(1),
            Duration.ofSeconds(30));

    /**
     * Largest WebSocket message accepted (deliveries larger than this close the connection).
     */
    private DataSize maxFrameSize = DataSize.ofMegabytes(10);

    /**
     * TCP connect timeout, for HTTP calls and the WebSocket.
     */
    private Duration connectTimeout = Duration.ofSeconds(5);

    /**
     * Time an HTTP call waits for the server's answer.
     */
    private Duration requestTimeout = Duration.ofSeconds(10);

    /**
     * Time the server gets to answer the WebSocket authenticate frame before the client reconnects.
     */
    private Duration authTimeout = Duration.ofSeconds(10);

    /**
     * Reconnect when no frame, pings included, arrived for this long (the server pings every 30s). Zero
     * disables the watchdog.
     */
    private Duration idleTimeout = Duration.ofSeconds(75);

    /**
     * Gzip HTTP request bodies (Content-Encoding: gzip).
     */
    private boolean compressRequests;

    /**
     * TLS settings.
     */
    @NestedConfigurationProperty
    private final SslProperties ssl = new SslProperties();

    /**
     * Where publishes wait until the server acknowledged them, and how they are retried.
     */
    private final Queue queue = new Queue();

    /**
     * Opt-in batch publishing: consecutive publishes of one stream go out as one request.
     */
    private final Batch batch = new Batch();

    public boolean isEnabled() {
        return this.enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean isObservationEnabled() {
        return this.observationEnabled;
    }

    public void setObservationEnabled(boolean observationEnabled) {
        this.observationEnabled = observationEnabled;
    }

    public @Nullable String getRemoteHost() {
        return this.remoteHost;
    }

    public void setRemoteHost(@Nullable String remoteHost) {
        this.remoteHost = remoteHost;
    }

    public @Nullable Integer getRemotePort() {
        return this.remotePort;
    }

    public void setRemotePort(@Nullable Integer remotePort) {
        this.remotePort = remotePort;
    }

    public boolean isSecure() {
        return this.secure;
    }

    public void setSecure(boolean secure) {
        this.secure = secure;
    }

    public @Nullable String getClientId() {
        return this.clientId;
    }

    public void setClientId(@Nullable String clientId) {
        this.clientId = clientId;
    }

    public @Nullable String getClientSecret() {
        return this.clientSecret;
    }

    public void setClientSecret(@Nullable String clientSecret) {
        this.clientSecret = clientSecret;
    }

    public Jwt getJwt() {
        return this.jwt;
    }

    public ReconnectProperties getReconnect() {
        return this.reconnect;
    }

    public DataSize getMaxFrameSize() {
        return this.maxFrameSize;
    }

    public void setMaxFrameSize(DataSize maxFrameSize) {
        this.maxFrameSize = maxFrameSize;
    }

    public Duration getConnectTimeout() {
        return this.connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public Duration getRequestTimeout() {
        return this.requestTimeout;
    }

    public void setRequestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
    }

    public Duration getAuthTimeout() {
        return this.authTimeout;
    }

    public void setAuthTimeout(Duration authTimeout) {
        this.authTimeout = authTimeout;
    }

    public Duration getIdleTimeout() {
        return this.idleTimeout;
    }

    public void setIdleTimeout(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    public boolean isCompressRequests() {
        return this.compressRequests;
    }

    public void setCompressRequests(boolean compressRequests) {
        this.compressRequests = compressRequests;
    }

    public SslProperties getSsl() {
        return this.ssl;
    }

    public Queue getQueue() {
        return this.queue;
    }

    public Batch getBatch() {
        return this.batch;
    }

    @Override
    public String toString() {
        return "StreamSeaProperties[enabled=" + this.enabled + ", remoteHost=" + this.remoteHost + ", remotePort="
                + this.remotePort + ", secure=" + this.secure + ", clientId=" + this.clientId + ", clientSecret="
                + mask(this.clientSecret) + ", jwt=" + this.jwt + ", maxFrameSize=" + this.maxFrameSize
                + ", reconnect=" + this.reconnect + ", ssl=" + this.ssl + ", queue=" + this.queue + ", batch=" + this.batch + "]";
    }

    static String mask(@Nullable String secret) {
        return (secret == null || secret.isEmpty()) ? "<none>" : "******";
    }

    public static class Jwt {

        /**
         * A ready-made JWT for the WebSocket, used as is on every connect (it stops working when it expires).
         * Exclusive with private-key.
         */
        private @Nullable String token;

        /**
         * PEM RSA private key (PKCS#8 "BEGIN PRIVATE KEY" or PKCS#1 "BEGIN RSA PRIVATE KEY") to mint a fresh
         * RS512 token before every connect. Its public key must be registered with the server.
         */
        private @Nullable String privateKey;

        /**
         * Lifetime of a minted token (its exp claim); the server closes the connection when it passes and the
         * client reconnects with a fresh token.
         */
        private Duration ttl = Duration.ofMinutes(10);

        /**
         * The mustFanout claim of minted tokens: every subscription of the bearer gets all messages.
         */
        private boolean mustFanout;

        public @Nullable String getToken() {
            return this.token;
        }

        public void setToken(@Nullable String token) {
            this.token = token;
        }

        public @Nullable String getPrivateKey() {
            return this.privateKey;
        }

        public void setPrivateKey(@Nullable String privateKey) {
            this.privateKey = privateKey;
        }

        public Duration getTtl() {
            return this.ttl;
        }

        public void setTtl(Duration ttl) {
            this.ttl = ttl;
        }

        public boolean isMustFanout() {
            return this.mustFanout;
        }

        public void setMustFanout(boolean mustFanout) {
            this.mustFanout = mustFanout;
        }

        @Override
        public String toString() {
            return "Jwt[token=" + mask(this.token) + ", privateKey=" + mask(this.privateKey) + ", ttl=" + this.ttl
                    + ", mustFanout=" + this.mustFanout + "]";
        }
    }

    /** {@code iot.stream-sea.queue.*}: a bound of 10000 and one publish in flight by default. */
    public static class Queue extends OutboundQueueProperties {

        Queue() {
            super(10_000, 1, 1000);
        }
    }

    /**
     * {@code iot.stream-sea.batch.*}: consecutive queued publishes of one stream sent as one request whose payload
     * is the JSON array of their payloads (stream-sea's batch feature). Subscribers must read such a delivery as a
     * batch: this starter's subscribers do; other clients may see one array message.
     */
    public static class Batch {

        /**
         * Send consecutive publishes of one stream as one request whose payload is a JSON array. Every consumer of
         * the stream must understand array deliveries (this starter's subscribers split them).
         */
        private boolean enabled;

        /**
         * Most publishes in one request.
         */
        private int maxSize = 100;

        /**
         * How long a batch that is not full waits for more publishes while no request is outstanding, so the first
         * request of a burst carries more than its first message; 0 sends at once (batches then form only while a
         * request is outstanding).
         */
        private Duration maxWait = Duration.ofMillis(5);

        public boolean isEnabled() {
            return this.enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getMaxSize() {
            return this.maxSize;
        }

        public void setMaxSize(int maxSize) {
            this.maxSize = maxSize;
        }

        public Duration getMaxWait() {
            return this.maxWait;
        }

        public void setMaxWait(Duration maxWait) {
            this.maxWait = maxWait;
        }

        @Override
        public String toString() {
            return "Batch[enabled=" + this.enabled + ", maxSize=" + this.maxSize + ", maxWait=" + this.maxWait + "]";
        }
    }
}
