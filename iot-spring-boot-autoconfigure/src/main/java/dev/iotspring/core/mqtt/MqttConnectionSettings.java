package dev.iotspring.core.mqtt;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.core.store.JdbcKeyValueStore;

/**
 * Everything a {@link MqttConnection} needs, immutable; build with {@link #builder(MqttEndpoint, String)}.
 * Defaults: MQTT 3.1.1, clean session, keep-alive 60 s, connect timeout 30 s, in-flight window 100,
 * {@link #DEFAULT_BACKOFF}, no credentials, JVM trust store for TLS endpoints.
 */
public final class MqttConnectionSettings {

    /** Paho's own default is 10; a higher window keeps throughput up on links with latency. */
    public static final int DEFAULT_MAX_INFLIGHT = 100;

    /** Reconnect delays: 1 s, doubling up to 60 s, 20 % jitter. */
    public static final RetryBackoff DEFAULT_BACKOFF = new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60),
            2.0, 0.2);

    private final MqttEndpoint endpoint;

    private final String clientId;

    private final String name;

    private final MqttCredentialsProvider credentials;

    private final Duration keepAlive;

    private final Duration connectTimeout;

    private final boolean cleanSession;

    private final MqttProtocolVersion protocolVersion;

    private final int maxInflight;

    private final RetryBackoff backoff;

    private final @Nullable MqttTls tls;

    private final Supplier<MqttScheduler> scheduler;

    private final DoubleSupplier random;

    private final boolean resubscribeWhenSessionPresent;

    private final @Nullable JdbcKeyValueStore qos2Store;

    private MqttConnectionSettings(Builder b) {
        this.endpoint = b.endpoint;
        this.clientId = b.clientId;
        this.name = (b.name != null) ? b.name : b.clientId;
        this.credentials = b.credentials;
        this.keepAlive = b.keepAlive;
        this.connectTimeout = b.connectTimeout;
        this.cleanSession = b.cleanSession;
        this.protocolVersion = b.protocolVersion;
        this.maxInflight = b.maxInflight;
        this.backoff = b.backoff;
        this.tls = b.tls;
        String threadName = "mqtt-" + this.name;
        this.scheduler = (b.scheduler != null) ? b.scheduler : () -> MqttScheduler.singleThread(threadName);
        this.random = b.random;
        this.resubscribeWhenSessionPresent = b.resubscribeWhenSessionPresent;
        this.qos2Store = b.qos2Store;
    }

    public static Builder builder(MqttEndpoint endpoint, String clientId) {
        return new Builder(endpoint, clientId);
    }

    public Builder toBuilder() {
        Builder b = new Builder(this.endpoint, this.clientId);
        b.name = this.name;
        b.credentials = this.credentials;
        b.keepAlive = this.keepAlive;
        b.connectTimeout = this.connectTimeout;
        b.cleanSession = this.cleanSession;
        b.protocolVersion = this.protocolVersion;
        b.maxInflight = this.maxInflight;
        b.backoff = this.backoff;
        b.tls = this.tls;
        b.scheduler = this.scheduler;
        b.random = this.random;
        b.resubscribeWhenSessionPresent = this.resubscribeWhenSessionPresent;
        b.qos2Store = this.qos2Store;
        return b;
    }

    public MqttEndpoint endpoint() {
        return this.endpoint;
    }

    public String clientId() {
        return this.clientId;
    }

    /** Name used in log lines and thread names (the platform, e.g. "stellanow"); defaults to the client id. */
    public String name() {
        return this.name;
    }

    public MqttCredentialsProvider credentials() {
        return this.credentials;
    }

    public Duration keepAlive() {
        return this.keepAlive;
    }

    public Duration connectTimeout() {
        return this.connectTimeout;
    }

    public boolean cleanSession() {
        return this.cleanSession;
    }

    public MqttProtocolVersion protocolVersion() {
        return this.protocolVersion;
    }

    /** Publishes with QoS 1 or 2 awaiting their acknowledgement at most, per connection. */
    public int maxInflight() {
        return this.maxInflight;
    }

    public RetryBackoff backoff() {
        return this.backoff;
    }

    /** TLS material for mqtts/wss; null means the JVM default (host name verified). */
    public @Nullable MqttTls tls() {
        return this.tls;
    }

    /**
     * Whether subscriptions are sent again when the broker kept the session (default true). Off for protocols
     * that must send nothing but their data while a session is present (Astarte MQTT v1).
     */
    public boolean resubscribeWhenSessionPresent() {
        return this.resubscribeWhenSessionPresent;
    }

    public @Nullable JdbcKeyValueStore qos2Store() {
        return this.qos2Store;
    }

    Supplier<MqttScheduler> schedulerFactory() {
        return this.scheduler;
    }

    DoubleSupplier random() {
        return this.random;
    }

    @Override
    public String toString() {
        return "MqttConnectionSettings[endpoint=" + this.endpoint + ", clientId=" + this.clientId + ", keepAlive="
                + this.keepAlive + ", cleanSession=" + this.cleanSession + ", protocol=" + this.protocolVersion
                + ", maxInflight=" + this.maxInflight + ", backoff=" + this.backoff + ", tls=" + this.tls + "]";
    }

    /** Builder of {@link MqttConnectionSettings}. */
    public static final class Builder {

        private final MqttEndpoint endpoint;

        private final String clientId;

        private @Nullable String name;

        private MqttCredentialsProvider credentials = MqttCredentialsProvider.none();

        private Duration keepAlive = Duration.ofSeconds(60);

        private Duration connectTimeout = Duration.ofSeconds(30);

        private boolean cleanSession = true;

        private MqttProtocolVersion protocolVersion = MqttProtocolVersion.V3_1_1;

        private int maxInflight = DEFAULT_MAX_INFLIGHT;

        private RetryBackoff backoff = DEFAULT_BACKOFF;

        private @Nullable MqttTls tls;

        private @Nullable Supplier<MqttScheduler> scheduler;

        private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();

        private boolean resubscribeWhenSessionPresent = true;

        private @Nullable JdbcKeyValueStore qos2Store;

        private Builder(MqttEndpoint endpoint, String clientId) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(clientId, "clientId");
            if (clientId.isEmpty() || clientId.length() > 65535) {
                throw new IllegalArgumentException("MQTT client id must have 1 to 65535 characters but has "
                        + clientId.length());
            }
            this.clientId = clientId;
        }

        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Asked before every connect attempt. */
        public Builder credentials(MqttCredentialsProvider credentials) {
            this.credentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        public Builder credentials(MqttCredentials credentials) {
            return credentials(MqttCredentialsProvider.of(Objects.requireNonNull(credentials, "credentials")));
        }

        /** Keep-alive in whole seconds (0 disables it), at most 65535 s. */
        public Builder keepAlive(Duration keepAlive) {
            Objects.requireNonNull(keepAlive, "keepAlive");
            if (keepAlive.isNegative() || keepAlive.getSeconds() > 65535) {
                throw new IllegalArgumentException(
                        "MQTT keep-alive must be between 0 and 65535 s but was " + keepAlive);
            }
            this.keepAlive = keepAlive;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("MQTT connect timeout must be positive but was " + connectTimeout);
            }
            this.connectTimeout = connectTimeout;
            return this;
        }

        public Builder cleanSession(boolean cleanSession) {
            this.cleanSession = cleanSession;
            return this;
        }

        public Builder protocolVersion(MqttProtocolVersion protocolVersion) {
            this.protocolVersion = Objects.requireNonNull(protocolVersion, "protocolVersion");
            return this;
        }

        /** In-flight window (QoS 1/2 publishes awaiting their acknowledgement), at least 1, at most 65535. */
        public Builder maxInflight(int maxInflight) {
            if (maxInflight < 1 || maxInflight > 65535) {
                throw new IllegalArgumentException("MQTT in-flight window must be between 1 and 65535 but was "
                        + maxInflight);
            }
            this.maxInflight = maxInflight;
            return this;
        }

        /** Delays between connect attempts; the initial delay must be positive (no reconnect storm). */
        public Builder backoff(RetryBackoff backoff) {
            Objects.requireNonNull(backoff, "backoff");
            if (backoff.initial().isZero()) {
                throw new IllegalArgumentException("MQTT reconnect initial delay must be positive but was "
                        + backoff.initial());
            }
            this.backoff = backoff;
            return this;
        }

        /** TLS material for mqtts/wss endpoints; ignored for mqtt/ws. */
        public Builder tls(@Nullable MqttTls tls) {
            this.tls = tls;
            return this;
        }

        /** Where connect attempts and reconnect delays run; one scheduler is created per connection. */
        public Builder scheduler(Supplier<MqttScheduler> scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Source of jitter, numbers in {@code [0, 1)}; for deterministic tests. */
        public Builder random(DoubleSupplier random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** Whether to send the subscriptions again when CONNACK says the session is present (default true). */
        public Builder resubscribeWhenSessionPresent(boolean resubscribe) {
            this.resubscribeWhenSessionPresent = resubscribe;
            return this;
        }

        /**
         * Where the packet ids of QoS 2 exchanges still open are kept, so that the next run finishes them instead of
         * reusing their ids (see {@link MqttQos2Persistence}). Only with a persistent session; null (the default)
         * keeps them in memory.
         */
        public Builder qos2Store(@Nullable JdbcKeyValueStore store) {
            this.qos2Store = store;
            return this;
        }

        public MqttConnectionSettings build() {
            if (this.qos2Store != null && this.cleanSession) {
                throw new IllegalStateException("A store of open QoS 2 exchanges needs a persistent session "
                        + "(cleanSession(false)): a clean session ends them at every connect");
            }
            return new MqttConnectionSettings(this);
        }
    }
}
