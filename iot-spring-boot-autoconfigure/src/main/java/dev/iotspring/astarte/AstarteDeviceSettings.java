package dev.iotspring.astarte;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

import javax.net.ssl.TrustManager;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.core.mqtt.MqttConnectionSettings;

/**
 * What an {@link AstarteDeviceClient} is built from; an {@code AstarteCustomizer} may adjust the builder before
 * the client is built. {@link #toString()} never shows the secret or the agent token.
 */
public final class AstarteDeviceSettings {

    private final Builder b;

    private AstarteDeviceSettings(Builder b) {
        this.b = b.copy();
    }

    public static Builder builder(String realm, String deviceId, AstarteInterfaces interfaces) {
        return new Builder(realm, deviceId, interfaces);
    }

    public String realm() {
        return this.b.realm;
    }

    public String deviceId() {
        return this.b.deviceId;
    }

    public AstarteInterfaces interfaces() {
        return this.b.interfaces;
    }

    public @Nullable String credentialsSecret() {
        return this.b.credentialsSecret;
    }

    public @Nullable Supplier<String> agentToken() {
        return this.b.agentToken;
    }

    public Duration keepAlive() {
        return this.b.keepAlive;
    }

    public Duration connectTimeout() {
        return this.b.connectTimeout;
    }

    public RetryBackoff backoff() {
        return this.b.backoff;
    }

    public TrustManager @Nullable [] trustManagers() {
        return this.b.trustManagers;
    }

    public boolean hostnameVerification() {
        return this.b.hostnameVerification;
    }

    /** Decides whether the certificate expired (and stamps queued values); the system UTC clock by default. */
    public Clock clock() {
        return this.b.clock;
    }

    public int maxInflight() {
        return this.b.maxInflight;
    }

    @Override
    public String toString() {
        return "AstarteDeviceSettings[realm=" + realm() + ", deviceId=" + deviceId() + ", interfaces="
                + interfaces().all().size() + ", secret=" + ((credentialsSecret() != null) ? "******" : "none")
                + ", keepAlive=" + keepAlive() + "]";
    }

    /** Builder of {@link AstarteDeviceSettings}. */
    public static final class Builder {

        private final String realm;

        private final String deviceId;

        private final AstarteInterfaces interfaces;

        private @Nullable String credentialsSecret;

        private @Nullable Supplier<String> agentToken;

        private Duration keepAlive = Duration.ofSeconds(30);

        private Duration connectTimeout = Duration.ofSeconds(30);

        private RetryBackoff backoff = MqttConnectionSettings.DEFAULT_BACKOFF;

        private TrustManager @Nullable [] trustManagers;

        private boolean hostnameVerification = true;

        private int maxInflight = 100;

        private Clock clock = Clock.systemUTC();

        private Builder(String realm, String deviceId, AstarteInterfaces interfaces) {
            this.realm = Objects.requireNonNull(realm, "realm");
            if (!AstarteDeviceIds.isValid(deviceId)) {
                throw new IllegalArgumentException("an Astarte device id has 22 characters of URL-safe base64 "
                        + "encoding 16 bytes, e.g. " + AstarteDeviceIds.random());
            }
            this.deviceId = deviceId;
            this.interfaces = Objects.requireNonNull(interfaces, "interfaces");
        }

        private Builder copy() {
            Builder c = new Builder(this.realm, this.deviceId, this.interfaces);
            c.credentialsSecret = this.credentialsSecret;
            c.agentToken = this.agentToken;
            c.keepAlive = this.keepAlive;
            c.connectTimeout = this.connectTimeout;
            c.backoff = this.backoff;
            c.trustManagers = this.trustManagers;
            c.hostnameVerification = this.hostnameVerification;
            c.maxInflight = this.maxInflight;
            c.clock = this.clock;
            return c;
        }

        /** The device's credentials secret, when it was registered elsewhere. */
        public Builder credentialsSecret(@Nullable String secret) {
            this.credentialsSecret = secret;
            return this;
        }

        /** Gives an agent JWT to register the device when no secret is configured or stored. */
        public Builder agentToken(@Nullable Supplier<String> agentToken) {
            this.agentToken = agentToken;
            return this;
        }

        public Builder keepAlive(Duration keepAlive) {
            this.keepAlive = Objects.requireNonNull(keepAlive, "keepAlive");
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
            return this;
        }

        /** Back-off of connect and pairing attempts. */
        public Builder backoff(RetryBackoff backoff) {
            this.backoff = Objects.requireNonNull(backoff, "backoff");
            return this;
        }

        /** Trust for the broker's certificate; null for the JVM trust store. */
        public Builder trustManagers(TrustManager @Nullable [] trustManagers) {
            this.trustManagers = trustManagers;
            return this;
        }

        public Builder hostnameVerification(boolean hostnameVerification) {
            this.hostnameVerification = hostnameVerification;
            return this;
        }

        /** QoS 1/2 publishes awaiting their acknowledgement (the reference broker allows 100). */
        public Builder maxInflight(int maxInflight) {
            this.maxInflight = maxInflight;
            return this;
        }

        /** The device's clock (certificate expiry, queued values' time); a test may give a skewed one. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public AstarteDeviceSettings build() {
            return new AstarteDeviceSettings(this);
        }
    }
}
