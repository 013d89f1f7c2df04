package dev.iotspring.spotflow.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

import dev.iotspring.core.autoconfigure.OutboundQueueProperties;
import dev.iotspring.core.autoconfigure.ReconnectProperties;
import dev.iotspring.core.autoconfigure.SslProperties;
import dev.iotspring.core.config.PropertyChecks;
import dev.iotspring.spotflow.Compression;
import dev.iotspring.spotflow.SpotflowInstance;

/**
 * Settings of the Spotflow device client ({@code iot.spotflow.*}). Validated in code by {@link #validate()}; the
 * provisioning token never appears in {@link #toString()}.
 */
@ConfigurationProperties(prefix = SpotflowProperties.PREFIX)
public class SpotflowProperties {

    static final String PREFIX = "iot.spotflow";

    static final String EXAMPLE = PropertyChecks.yaml(PREFIX, "enabled: true",
            "provisioning-token: ${SPOTFLOW_PROVISIONING_TOKEN}", "device-id: pump-01");

    /** Whether the Spotflow device client is active. */
    private boolean enabled;

    /**
     * Whether to make each sendMessage / sendMessageAsync an Observation from the call to the acknowledgement (needs an ObservationRegistry bean; conventions from IotSendObservationConvention / IotReceiveObservationConvention beans).
     */
    private boolean observationEnabled;

    /**
     * Host (and optional port) of the platform's provisioning API; requests go to https://host[:port], a path is
     * ignored. An explicit http:// is kept, for emulators.
     */
    private String instance = SpotflowInstance.DEFAULT;

    /** Provisioning token from the Spotflow portal. Never logged; only its SHA-256 is stored. */
    private @Nullable String provisioningToken;

    /** Device id to ask for when provisioning; unset lets the platform choose one. */
    private @Nullable String deviceId;

    /** Stream group of messages sent without one; unset means the workspace's default group. */
    private @Nullable String defaultStreamGroup;

    /** Stream of messages sent without one; unset means the default stream of the group. */
    private @Nullable String defaultStream;

    /**
     * Compression of messages sent without their own: uncompressed, fastest or smallest-size (Brotli; needs
     * com.aayushatharva.brotli4j:brotli4j).
     */
    private Compression compression = Compression.UNCOMPRESSED;

    /** TCP port of the hub's MQTT listener (the reference SDK always uses 8883). */
    private int mqttPort = 8883;

    /**
     * Whether the hub connections use TLS (mqtts, and https for file upload); only emulators and test brokers
     * turn it off.
     */
    private boolean mqttTls = true;

    /** Port of the hub's HTTPS API, used to upload payloads larger than 250,000 bytes. */
    private int hubHttpPort = 443;

    /** MQTT keep-alive interval (whole seconds). */
    private Duration keepAlive = Duration.ofSeconds(300);

    /** How long one MQTT connection attempt may take before it counts as failed. */
    private Duration connectTimeout = Duration.ofSeconds(30);

    /** Timeout of one request to the provisioning API, and of the hub's file-upload request and notification. */
    private Duration requestTimeout = Duration.ofSeconds(10);

    /**
     * How long the upload of one payload over 250,000 bytes to its blob may take, answer included: long enough for
     * the largest payload on the slowest uplink (5 min carry 4 MB at 14 KB/s), as a failed upload is repeated whole.
     */
    private Duration fileUploadTimeout = Duration.ofMinutes(5);

    /**
     * How long sendMessage waits for the platform's acknowledgement before it throws; the message stays queued.
     */
    private Duration sendTimeout = Duration.ofSeconds(30);

    /** Pause between two polls of a provisioning operation awaiting approval, and between retries of its steps. */
    private Duration provisioningPollInterval = Duration.ofSeconds(5);

    /** Pause before retrying a failed registration, token refresh or re-registration. */
    private Duration registrationRetryInterval = Duration.ofSeconds(30);

    /** How often the SAS and registration-token lifetimes are checked (renewed one interval before expiry). */
    private Duration tokenCheckInterval = Duration.ofSeconds(60);

    @NestedConfigurationProperty
    private final SslProperties ssl = new SslProperties();

    @NestedConfigurationProperty
    private final ReconnectProperties reconnect = new ReconnectProperties(Duration.ofSeconds(5),
            Duration.ofSeconds(5));

    @NestedConfigurationProperty
    private final Queue queue = new Queue();

    /** The durable message queue: one message in flight, as the platform de-duplicates only adjacent repeats. */
    public static class Queue extends OutboundQueueProperties {

        Queue() {
            super(0, 1, 1);
            setType(Type.DURABLE);
        }
    }

    /** Fails with an {@code IotConfigurationException} naming the first property that is missing or invalid. */
    public void validate() {
        PropertyChecks.requireText(this.provisioningToken, PREFIX + ".provisioning-token", EXAMPLE);
        PropertyChecks.requireText(this.instance, PREFIX + ".instance", EXAMPLE);
        try {
            SpotflowInstance.baseUrl(this.instance);
        }
        catch (IllegalArgumentException ex) {
            PropertyChecks.requireState(false, PREFIX + ".instance", ex.getMessage(),
                    PropertyChecks.yaml(PREFIX, "instance: " + SpotflowInstance.DEFAULT));
        }
        if (this.deviceId != null) {
            PropertyChecks.requireState(!this.deviceId.isBlank() && this.deviceId.length() <= 128,
                    PREFIX + ".device-id", "must have 1 to 128 characters, or be unset", EXAMPLE);
        }
        PropertyChecks.requireState(this.defaultStream == null || this.defaultStreamGroup != null,
                PREFIX + ".default-stream-group", "is required when default-stream is set",
                PropertyChecks.yaml(PREFIX, "default-stream-group: plant", "default-stream: temperatures"));
        PropertyChecks.requireState(this.compression != null, PREFIX + ".compression",
                "must be uncompressed, fastest or smallest-size", PropertyChecks.yaml(PREFIX, "compression: fastest"));
        PropertyChecks.requireState(this.mqttPort > 0 && this.mqttPort <= 65535, PREFIX + ".mqtt-port",
                "must be a TCP port (1 to 65535)", PropertyChecks.yaml(PREFIX, "mqtt-port: 8883"));
        PropertyChecks.requireState(this.hubHttpPort > 0 && this.hubHttpPort <= 65535, PREFIX + ".hub-http-port",
                "must be a TCP port (1 to 65535)", PropertyChecks.yaml(PREFIX, "hub-http-port: 443"));
        PropertyChecks.requireState(this.keepAlive != null && this.keepAlive.toSeconds() >= 1
                && this.keepAlive.toSeconds() <= 65535, PREFIX + ".keep-alive", "expected 1 to 65535 seconds",
                PropertyChecks.yaml(PREFIX, "keep-alive: 300s"));
        PropertyChecks.requirePositive(this.connectTimeout, PREFIX + ".connect-timeout",
                PropertyChecks.yaml(PREFIX, "connect-timeout: 30s"));
        PropertyChecks.requirePositive(this.requestTimeout, PREFIX + ".request-timeout",
                PropertyChecks.yaml(PREFIX, "request-timeout: 10s"));
        PropertyChecks.requirePositive(this.fileUploadTimeout, PREFIX + ".file-upload-timeout",
                PropertyChecks.yaml(PREFIX, "file-upload-timeout: 5m"));
        PropertyChecks.requirePositive(this.sendTimeout, PREFIX + ".send-timeout",
                PropertyChecks.yaml(PREFIX, "send-timeout: 30s"));
        PropertyChecks.requirePositive(this.provisioningPollInterval, PREFIX + ".provisioning-poll-interval",
                PropertyChecks.yaml(PREFIX, "provisioning-poll-interval: 5s"));
        PropertyChecks.requirePositive(this.registrationRetryInterval, PREFIX + ".registration-retry-interval",
                PropertyChecks.yaml(PREFIX, "registration-retry-interval: 30s"));
        PropertyChecks.requirePositive(this.tokenCheckInterval, PREFIX + ".token-check-interval",
                PropertyChecks.yaml(PREFIX, "token-check-interval: 60s"));
        this.reconnect.validate(PREFIX + ".reconnect");
        this.queue.validate(PREFIX + ".queue");
        PropertyChecks.requireState(this.queue.getType() == OutboundQueueProperties.Type.DURABLE,
                PREFIX + ".queue.type", "must be durable: every Spotflow message is committed to SQLite before "
                        + "enqueueMessage returns", PropertyChecks.yaml(PREFIX + ".queue", "type: durable"));
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

    public String getInstance() {
        return this.instance;
    }

    public void setInstance(String instance) {
        this.instance = instance;
    }

    public @Nullable String getProvisioningToken() {
        return this.provisioningToken;
    }

    public void setProvisioningToken(@Nullable String provisioningToken) {
        this.provisioningToken = provisioningToken;
    }

    public @Nullable String getDeviceId() {
        return this.deviceId;
    }

    public void setDeviceId(@Nullable String deviceId) {
        this.deviceId = deviceId;
    }

    public @Nullable String getDefaultStreamGroup() {
        return this.defaultStreamGroup;
    }

    public void setDefaultStreamGroup(@Nullable String defaultStreamGroup) {
        this.defaultStreamGroup = defaultStreamGroup;
    }

    public @Nullable String getDefaultStream() {
        return this.defaultStream;
    }

    public void setDefaultStream(@Nullable String defaultStream) {
        this.defaultStream = defaultStream;
    }

    public Compression getCompression() {
        return this.compression;
    }

    public void setCompression(Compression compression) {
        this.compression = compression;
    }

    public int getMqttPort() {
        return this.mqttPort;
    }

    public void setMqttPort(int mqttPort) {
        this.mqttPort = mqttPort;
    }

    public boolean isMqttTls() {
        return this.mqttTls;
    }

    public void setMqttTls(boolean mqttTls) {
        this.mqttTls = mqttTls;
    }

    public int getHubHttpPort() {
        return this.hubHttpPort;
    }

    public void setHubHttpPort(int hubHttpPort) {
        this.hubHttpPort = hubHttpPort;
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

    public Duration getFileUploadTimeout() {
        return this.fileUploadTimeout;
    }

    public void setFileUploadTimeout(Duration fileUploadTimeout) {
        this.fileUploadTimeout = fileUploadTimeout;
    }

    public Duration getSendTimeout() {
        return this.sendTimeout;
    }

    public void setSendTimeout(Duration sendTimeout) {
        this.sendTimeout = sendTimeout;
    }

    public Duration getProvisioningPollInterval() {
        return this.provisioningPollInterval;
    }

    public void setProvisioningPollInterval(Duration provisioningPollInterval) {
        this.provisioningPollInterval = provisioningPollInterval;
    }

    public Duration getRegistrationRetryInterval() {
        return this.registrationRetryInterval;
    }

    public void setRegistrationRetryInterval(Duration registrationRetryInterval) {
        this.registrationRetryInterval = registrationRetryInterval;
    }

    public Duration getTokenCheckInterval() {
        return this.tokenCheckInterval;
    }

    public void setTokenCheckInterval(Duration tokenCheckInterval) {
        this.tokenCheckInterval = tokenCheckInterval;
    }

    public SslProperties getSsl() {
        return this.ssl;
    }

    public ReconnectProperties getReconnect() {
        return this.reconnect;
    }

    public Queue getQueue() {
        return this.queue;
    }

    @Override
    public String toString() {
        return "SpotflowProperties[enabled=" + this.enabled + ", instance=" + this.instance + ", provisioningToken="
                + ((this.provisioningToken != null) ? "******" : "none") + ", deviceId=" + this.deviceId
                + ", defaultStreamGroup=" + this.defaultStreamGroup + ", defaultStream=" + this.defaultStream
                + ", compression=" + this.compression + ", mqttPort=" + this.mqttPort + ", mqttTls=" + this.mqttTls
                + ", queue=" + this.queue + "]";
    }
}
