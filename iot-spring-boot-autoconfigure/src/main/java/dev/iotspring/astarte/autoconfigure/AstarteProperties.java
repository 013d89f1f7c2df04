package dev.iotspring.astarte.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.iotspring.astarte.AstarteDeviceIds;
import dev.iotspring.core.autoconfigure.OutboundQueueProperties;
import dev.iotspring.core.autoconfigure.ReconnectProperties;
import dev.iotspring.core.autoconfigure.SslProperties;
import dev.iotspring.core.config.PropertyChecks;
import dev.iotspring.core.queue.QueueOrder;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * {@code iot.astarte.*}: one Astarte device. {@link #toString()} masks the credentials secret, the agent JWT and
 * the realm private key.
 */
@ConfigurationProperties(AstarteProperties.PREFIX)
public class AstarteProperties {

    static final String PREFIX = "iot.astarte";

    static final String EXAMPLE = PropertyChecks.yaml(PREFIX, "enabled: true", "realm: myrealm",
            "pairing-url: https://api.astarte.example.com/pairing", "device-id: mT56ik-VWRqYOYveajVUtg",
            "pairing:", "  jwt: ${ASTARTE_AGENT_JWT}");

    /** Whether to run the Astarte device. */
    private boolean enabled;

    /**
     * Whether to make each send an Observation from the call to the broker's acknowledgement, and each server data delivery one (needs an ObservationRegistry bean; conventions from IotSendObservationConvention / IotReceiveObservationConvention beans).
     */
    private boolean observationEnabled;

    /** The Astarte realm. */
    private @Nullable String realm;

    /** Base URL of the Pairing API, e.g. https://api.example.com/pairing; /v1/{realm}/... is appended. */
    private @Nullable URI pairingUrl;

    /** The device id: 22 characters of URL-safe base64 (16 bytes). Or set device-id-namespace and device-id-data. */
    private @Nullable String deviceId;

    /** UUID namespace of a deterministic device id (UUIDv5 of namespace and device-id-data). */
    private @Nullable UUID deviceIdNamespace;

    /** Unique hardware data (e.g. a MAC address) of a deterministic device id. */
    private @Nullable String deviceIdData;

    /** The device's credentials secret when it was registered elsewhere; otherwise obtained by registering. */
    private @Nullable String credentialsSecret;

    /** Registration of the device on its first start, when no credentials secret is configured or stored. */
    private final Pairing pairing = new Pairing();

    /** Resource locations of the device's interface JSON definitions (patterns allowed). */
    private List<String> interfaces = new ArrayList<>(List.of("classpath*:astarte/interfaces/*.json"));

    /** MQTT keep-alive. */
    private Duration keepAlive = Duration.ofSeconds(30);

    /** Timeout of a TCP/TLS connect and of the MQTT CONNECT. */
    private Duration connectTimeout = Duration.ofSeconds(30);

    /** Timeout of a Pairing API request. */
    private Duration requestTimeout = Duration.ofSeconds(30);

    /** Back-off between connect (and pairing) attempts. */
    @NestedConfigurationProperty
    private final ReconnectProperties reconnect = new ReconnectProperties();

    /** Trust for the Pairing API and the broker. */
    @NestedConfigurationProperty
    private final SslProperties ssl = new SslProperties();

    /** Trust any certificate and host name of the Pairing API and the broker: for tests only, warned at start. */
    private boolean ignoreSslErrors;

    /**
     * Store-and-forward of values sent while the broker is unreachable: properties and datastreams with retention
     * stored wait in SQLite, retention volatile in memory (both bounded by max-size, with the overflow rule).
     */
    private final Queue queue = new Queue();

    /** Fails with an IotConfigurationException naming the first missing or invalid key. */
    public void validate() {
        PropertyChecks.requireText(this.realm, PREFIX + ".realm", EXAMPLE);
        if (this.pairingUrl != null) {
            validatePairingUrl(this.pairingUrl);
        }
        if (this.deviceId != null) {
            PropertyChecks.requireState(this.deviceIdNamespace == null && this.deviceIdData == null,
                    PREFIX + ".device-id", "set either device-id or device-id-namespace with device-id-data",
                    EXAMPLE);
            PropertyChecks.requireState(AstarteDeviceIds.isValid(this.deviceId), PREFIX + ".device-id",
                    "must be 22 characters of URL-safe base64 encoding 16 bytes", EXAMPLE);
        }
        else {
            String namespaceExample = PropertyChecks.yaml(PREFIX, "device-id-namespace: f79ad91f-c638-4889-ae74-9d001a3b4cf8",
                    "device-id-data: 98:75:a8:0d:96:db");
            PropertyChecks.requireState(this.deviceIdNamespace != null, PREFIX + ".device-id",
                    "is required (or device-id-namespace with device-id-data)", namespaceExample);
            PropertyChecks.requireText(this.deviceIdData, PREFIX + ".device-id-data", namespaceExample);
        }
        PropertyChecks.requireState(this.interfaces != null && !this.interfaces.isEmpty(), PREFIX + ".interfaces",
                "must name at least one location", PropertyChecks.yaml(PREFIX, "interfaces: classpath*:astarte/interfaces/*.json"));
        PropertyChecks.requirePositive(this.keepAlive, PREFIX + ".keep-alive", PropertyChecks.yaml(PREFIX, "keep-alive: 30s"));
        PropertyChecks.requirePositive(this.connectTimeout, PREFIX + ".connect-timeout",
                PropertyChecks.yaml(PREFIX, "connect-timeout: 30s"));
        PropertyChecks.requirePositive(this.requestTimeout, PREFIX + ".request-timeout",
                PropertyChecks.yaml(PREFIX, "request-timeout: 30s"));
        this.reconnect.validate(PREFIX + ".reconnect");
        this.queue.validateForAstarte(PREFIX + ".queue");
        this.queue.validate(PREFIX + ".queue");
    }

    /** The configured device id, or the UUIDv5 one. */
    public String effectiveDeviceId() {
        return (this.deviceId != null) ? this.deviceId
                : AstarteDeviceIds.fromNamespace(this.deviceIdNamespace, this.deviceIdData);
    }

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

    public @Nullable String getRealm() {
        return this.realm;
    }

    public void setRealm(@Nullable String realm) {
        this.realm = realm;
    }

    /** Checks the Pairing API URL in use (of this key or of an {@code AstarteConnectionDetails} bean). */
    static URI validatePairingUrl(@Nullable URI pairingUrl) {
        PropertyChecks.requireState(pairingUrl != null, PREFIX + ".pairing-url", "is required", EXAMPLE);
        String scheme = pairingUrl.getScheme();
        PropertyChecks.requireState("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme),
                PREFIX + ".pairing-url", "must be an http or https URL", EXAMPLE);
        return pairingUrl;
    }

    public @Nullable URI getPairingUrl() {
        return this.pairingUrl;
    }

    public void setPairingUrl(@Nullable URI pairingUrl) {
        this.pairingUrl = pairingUrl;
    }

    public @Nullable String getDeviceId() {
        return this.deviceId;
    }

    public void setDeviceId(@Nullable String deviceId) {
        this.deviceId = blankToNull(deviceId);
    }

    public @Nullable UUID getDeviceIdNamespace() {
        return this.deviceIdNamespace;
    }

    public void setDeviceIdNamespace(@Nullable UUID deviceIdNamespace) {
        this.deviceIdNamespace = deviceIdNamespace;
    }

    public @Nullable String getDeviceIdData() {
        return this.deviceIdData;
    }

    public void setDeviceIdData(@Nullable String deviceIdData) {
        this.deviceIdData = blankToNull(deviceIdData);
    }

    public @Nullable String getCredentialsSecret() {
        return this.credentialsSecret;
    }

    public void setCredentialsSecret(@Nullable String credentialsSecret) {
        this.credentialsSecret = blankToNull(credentialsSecret);
    }

    public Pairing getPairing() {
        return this.pairing;
    }

    public List<String> getInterfaces() {
        return this.interfaces;
    }

    public void setInterfaces(List<String> interfaces) {
        this.interfaces = interfaces;
    }

    public Duration getKeepAlive() {
        return this.keepAlive;
    }

    public void setKeepAlive(Duration keepAlive) {
        this.keepAlive = keepAlive;
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

    public ReconnectProperties getReconnect() {
        return this.reconnect;
    }

    public SslProperties getSsl() {
        return this.ssl;
    }

    public boolean isIgnoreSslErrors() {
        return this.ignoreSslErrors;
    }

    public void setIgnoreSslErrors(boolean ignoreSslErrors) {
        this.ignoreSslErrors = ignoreSslErrors;
    }

    public Queue getQueue() {
        return this.queue;
    }

    @Override
    public String toString() {
        return "AstarteProperties[enabled=" + this.enabled + ", realm=" + this.realm + ", pairingUrl=" + this.pairingUrl
                + ", deviceId=" + this.deviceId + ", credentialsSecret=" + mask(this.credentialsSecret) + ", pairing="
                + this.pairing + ", interfaces=" + this.interfaces + "]";
    }

    /** An empty value (e.g. an unset environment variable) counts as not set. */
    static @Nullable String blankToNull(@Nullable String value) {
        return (value == null || value.isBlank()) ? null : value.trim();
    }

    static String mask(@Nullable String secret) {
        return (secret != null) ? "******" : "null";
    }

    /** {@code iot.astarte.pairing.*}: how to register the device when it has no credentials secret yet. */
    public static class Pairing {

        /** An agent JWT of the realm (claim a_pa) to register the device with. */
        private @Nullable String jwt;

        /** The realm private key (PEM, RSA or EC) to sign an agent JWT with; the algorithm follows the key. */
        private @Nullable String privateKey;

        public @Nullable String getJwt() {
            return this.jwt;
        }

        public void setJwt(@Nullable String jwt) {
            this.jwt = jwt;
        }

        public @Nullable String getPrivateKey() {
            return this.privateKey;
        }

        public void setPrivateKey(@Nullable String privateKey) {
            this.privateKey = privateKey;
        }

        @Override
        public String toString() {
            return "Pairing[jwt=" + mask(this.jwt) + ", privateKey=" + mask(this.privateKey) + "]";
        }
    }

    /**
     * {@code iot.astarte.queue.*}: 100000 values and 100 publishes in flight (the reference broker's cap) by default.
     * {@code type} and {@code order} are the contract's keys but Astarte decides them: each mapping's retention
     * picks the queue (stored: SQLite, volatile: memory) and both send oldest first. Setting {@code type} at all,
     * or {@code order} to anything but fifo, fails the start instead of being silently ignored.
     */
    public static class Queue extends OutboundQueueProperties {

        private boolean typeSet;

        Queue() {
            super(100_000, 100, 100);
        }

        @Override
        public void setType(Type type) {
            super.setType(type);
            this.typeSet = true;
        }

        void validateForAstarte(String prefix) {
            String example = PropertyChecks.yaml(prefix, "max-size: 100000", "overflow: drop-oldest");
            PropertyChecks.requireState(!this.typeSet, prefix + ".type",
                    "does not apply to Astarte: each mapping's retention decides where a value waits (stored: the "
                            + "SQLite outbox, volatile: memory, discard: not queued); remove the key",
                    example);
            PropertyChecks.requireState(getOrder() == QueueOrder.FIFO, prefix + ".order",
                    "must be fifo for Astarte: Astarte expects each interface's values oldest first; remove the key",
                    example);
        }
    }
}
