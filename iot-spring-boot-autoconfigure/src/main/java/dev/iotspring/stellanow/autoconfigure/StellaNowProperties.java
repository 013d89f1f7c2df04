package dev.iotspring.stellanow.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.autoconfigure.OutboundQueueProperties;
import dev.iotspring.core.autoconfigure.ReconnectProperties;
import dev.iotspring.core.autoconfigure.SslProperties;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.config.PropertyChecks;
import dev.iotspring.stellanow.StellaNowEnvironment;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * Settings of the StellaNow event ingestion ({@code iot.stellanow.*}). Validated in code by {@link #validate()}
 * so the application needs no Bean Validation provider.
 */
@ConfigurationProperties("iot.stellanow")
public class StellaNowProperties {

    static final String PREFIX = "iot.stellanow";

    /** Longest MQTT 3.1.1 client id every broker must accept. */
    static final int PORTABLE_CLIENT_ID_LENGTH = 23;

    private static final Set<String> BROKER_SCHEMES = Set.of("mqtt", "mqtt-tcp", "mqtts", "ws", "wss");

    static final String EXAMPLE = """
            iot:
              stellanow:
                enabled: true
                organization-id: 0f5a2c9e-3b1d-4c7a-9e2f-8a6b5c4d3e21
                project-id: 7c1e4b2a-9d3f-4e8a-b6c5-1a2b3c4d5e6f
                environment: prod            # prod | dev | local
                auth:
                  strategy: oidc             # oidc | basic | none
                  username: ingest@example.com
                  password: ${STELLANOW_PASSWORD}
            """;

    /** Whether to send events to StellaNow. Nothing of the platform is created while false. */
    private boolean enabled;

    /**
     * Whether to make each send an Observation from the call to the broker's acknowledgement (needs an ObservationRegistry bean; conventions from IotSendObservationConvention / IotReceiveObservationConvention beans).
     */
    private boolean observationEnabled;

    /** Organization id (UUID): the MQTT topic is in/{organization-id} and the OIDC realm is this id. */
    private @Nullable String organizationId;

    /** Project id (UUID) the events belong to; sent in every envelope key. */
    private @Nullable String projectId;

    /** Which StellaNow environment's default broker and API URLs to use. */
    private StellaNowEnvironment environment = StellaNowEnvironment.PROD;

    /**
     * Broker URL overriding the environment's: mqtt:// (or mqtt-tcp://), mqtts://, ws:// or wss:// with an
     * optional port (defaults 1883, 8883, 80, 443) and, for WebSocket, a path (default /mqtt).
     */
    private @Nullable URI brokerUrl;

    /** API base URL overriding the environment's; the OIDC realm is {api-base-url}/auth/realms/{organization-id}. */
    private @Nullable URI apiBaseUrl;

    /**
     * MQTT client id. Must be unique per running instance: a second connection with the same id makes the
     * broker drop the first. Default: StellaNowJvm_ plus 10 random URL-safe characters (23 characters, the
     * MQTT 3.1.1 portable maximum), logged at startup.
     */
    private @Nullable String clientId;

    /** MQTT keep-alive interval (whole seconds; 0 disables it). */
    private Duration keepAlive = Duration.ofSeconds(15);

    /** How long one connection attempt (TCP, TLS and CONNECT, or a TCP connect to the identity provider) may take. */
    private Duration connectTimeout = Duration.ofSeconds(10);

    /**
     * How long a token request to the identity provider may take before it counts as failed (it is retried with
     * a backoff; events keep queueing meanwhile).
     */
    private Duration requestTimeout = Duration.ofSeconds(10);

    private final Auth auth = new Auth();

    private final Queue queue = new Queue();

    /** TLS for mqtts:// and wss:// brokers and an https identity provider. */
    @NestedConfigurationProperty
    private final SslProperties ssl = new SslProperties();

    /** Reconnect backoff of the MQTT connection (defaults 1s doubling to 60s, 20 % jitter). */
    @NestedConfigurationProperty
    private final ReconnectProperties reconnect = new ReconnectProperties(Duration.ofSeconds(1),
            Duration.ofSeconds(60));

    /**
     * Fails with an {@link IotConfigurationException} naming the first property that is missing or invalid.
     */
    public void validate() {
        PropertyChecks.requireUuid(this.organizationId, PREFIX + ".organization-id", EXAMPLE);
        PropertyChecks.requireUuid(this.projectId, PREFIX + ".project-id", EXAMPLE);
        validateBrokerUrl(effectiveBrokerUrl());
        PropertyChecks.requireState(this.environment != null, PREFIX + ".environment",
                "expected one of prod, dev or local", EXAMPLE);
        if (this.clientId != null) {
            PropertyChecks.requireState(!this.clientId.isBlank(), PREFIX + ".client-id",
                    "the client id must not be blank; leave it unset for a generated one", EXAMPLE);
            PropertyChecks.requireState(this.clientId.trim().length() <= 65535, PREFIX + ".client-id",
                    "the client id is longer than MQTT allows", EXAMPLE);
        }
        PropertyChecks.requireState(!this.keepAlive.isNegative() && this.keepAlive.toSeconds() <= 65535,
                PREFIX + ".keep-alive", "expected 0 to 65535 seconds", EXAMPLE);
        PropertyChecks.requirePositive(this.connectTimeout, PREFIX + ".connect-timeout", EXAMPLE);
        PropertyChecks.requirePositive(this.requestTimeout, PREFIX + ".request-timeout", EXAMPLE);
        this.auth.validate(this);
        this.queue.validate();
        this.reconnect.validate(PREFIX + ".reconnect");
    }

    /** The broker URL to connect to: {@code broker-url}, else the environment's. */
    public URI effectiveBrokerUrl() {
        return (this.brokerUrl != null) ? this.brokerUrl : this.environment.brokerUrl();
    }

    /** The API base URL (no trailing slash), or {@code null} when neither set nor defined by the environment. */
    public @Nullable URI effectiveApiBaseUrl() {
        URI url = (this.apiBaseUrl != null) ? this.apiBaseUrl : this.environment.apiBaseUrl();
        if (url == null) {
            return null;
        }
        String text = url.toString();
        return text.endsWith("/") ? URI.create(text.substring(0, text.length() - 1)) : url;
    }

    public UUID organizationUuid() {
        return UUID.fromString(this.organizationId.trim());
    }

    public UUID projectUuid() {
        return UUID.fromString(this.projectId.trim());
    }

    static void validateBrokerUrl(URI url) {
        String property = PREFIX + ".broker-url";
        String scheme = url.getScheme();
        PropertyChecks.requireState(scheme != null && BROKER_SCHEMES.contains(scheme.toLowerCase(Locale.ROOT)),
                property, "expected a mqtt://, mqtt-tcp://, mqtts://, ws:// or wss:// URL", EXAMPLE_BROKER);
        PropertyChecks.requireState(url.getHost() != null && !url.getHost().isBlank(), property,
                "the URL has no host", EXAMPLE_BROKER);
    }

    private static final String EXAMPLE_BROKER = """
            iot:
              stellanow:
                broker-url: wss://ingestor.prod.stella.cloud:8083/mqtt
            """;

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

    public @Nullable String getOrganizationId() {
        return this.organizationId;
    }

    public void setOrganizationId(@Nullable String organizationId) {
        this.organizationId = organizationId;
    }

    public @Nullable String getProjectId() {
        return this.projectId;
    }

    public void setProjectId(@Nullable String projectId) {
        this.projectId = projectId;
    }

    public StellaNowEnvironment getEnvironment() {
        return this.environment;
    }

    public void setEnvironment(StellaNowEnvironment environment) {
        this.environment = environment;
    }

    public @Nullable URI getBrokerUrl() {
        return this.brokerUrl;
    }

    public void setBrokerUrl(@Nullable URI brokerUrl) {
        this.brokerUrl = brokerUrl;
    }

    public @Nullable URI getApiBaseUrl() {
        return this.apiBaseUrl;
    }

    public void setApiBaseUrl(@Nullable URI apiBaseUrl) {
        this.apiBaseUrl = apiBaseUrl;
    }

    public @Nullable String getClientId() {
        return this.clientId;
    }

    public void setClientId(@Nullable String clientId) {
        this.clientId = clientId;
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

    public Auth getAuth() {
        return this.auth;
    }

    public Queue getQueue() {
        return this.queue;
    }

    public Duration getRequestTimeout() {
        return this.requestTimeout;
    }

    public void setRequestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
    }

    public SslProperties getSsl() {
        return this.ssl;
    }

    public ReconnectProperties getReconnect() {
        return this.reconnect;
    }

    @Override
    public String toString() {
        return "StellaNowProperties[enabled=" + this.enabled + ", organizationId=" + this.organizationId
                + ", projectId=" + this.projectId + ", environment=" + this.environment + ", brokerUrl="
                + effectiveBrokerUrl() + ", apiBaseUrl=" + effectiveApiBaseUrl() + ", clientId=" + this.clientId
                + ", auth=" + this.auth + ", queue=" + this.queue + "]";
    }

    /** How the client authenticates. */
    public enum AuthStrategy {

        /** OIDC password grant; the access token is the MQTT username (and password). */
        OIDC,

        /** Fixed MQTT username and password. */
        BASIC,

        /** No credentials in CONNECT (a local broker). */
        NONE
    }

    public static class Auth {

        /** Authentication strategy: oidc, basic or none. */
        private AuthStrategy strategy = AuthStrategy.OIDC;

        /** OIDC user (strategy oidc) or MQTT username (strategy basic). */
        private @Nullable String username;

        /** OIDC or MQTT password. Never logged. */
        private @Nullable String password;

        /** OIDC client id of the token request (a public client; no secret). */
        private String oidcClientId = "event-ingestor";

        /**
         * How long before the access token expires it is refreshed; at most two thirds of the token's
         * lifetime (the refresh happens at least a third of the lifetime after issue).
         */
        private Duration refreshBeforeExpiry = Duration.ofSeconds(40);

        /**
         * Whether a refreshed token is carried to the broker at once by reconnecting, as the Python SDK does.
         * When false the fresh token is used at the next reconnect.
         */
        private boolean reconnectOnRefresh = true;

        void validate(StellaNowProperties root) {
            if (this.strategy == AuthStrategy.NONE) {
                return;
            }
            String example = (this.strategy == AuthStrategy.OIDC) ? EXAMPLE : EXAMPLE_BASIC;
            PropertyChecks.requireText(this.username, PREFIX + ".auth.username", example);
            PropertyChecks.requireText(this.password, PREFIX + ".auth.password", example);
            if (this.strategy == AuthStrategy.OIDC) {
                PropertyChecks.requireText(this.oidcClientId, PREFIX + ".auth.oidc-client-id", EXAMPLE);
                URI api = root.effectiveApiBaseUrl();
                if (api == null) {
                    throw new IotConfigurationException(PREFIX + ".api-base-url",
                            "the environment '" + root.environment.name().toLowerCase(Locale.ROOT)
                                    + "' has no identity provider; set api-base-url or use auth.strategy basic/none",
                            EXAMPLE_API);
                }
                String scheme = api.getScheme();
                PropertyChecks.requireState(
                        ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) && api.getHost() != null,
                        PREFIX + ".api-base-url", "expected an http:// or https:// URL", EXAMPLE_API);
                PropertyChecks.requirePositive(this.refreshBeforeExpiry, PREFIX + ".auth.refresh-before-expiry", EXAMPLE);
            }
        }

        private static final String EXAMPLE_BASIC = """
                iot:
                  stellanow:
                    auth:
                      strategy: basic
                      username: device-1
                      password: ${MQTT_PASSWORD}
                """;

        private static final String EXAMPLE_API = """
                iot:
                  stellanow:
                    environment: local
                    api-base-url: https://api.dev.stella.cloud
                """;

        public AuthStrategy getStrategy() {
            return this.strategy;
        }

        public void setStrategy(AuthStrategy strategy) {
            this.strategy = strategy;
        }

        public @Nullable String getUsername() {
            return this.username;
        }

        public void setUsername(@Nullable String username) {
            this.username = username;
        }

        public @Nullable String getPassword() {
            return this.password;
        }

        public void setPassword(@Nullable String password) {
            this.password = password;
        }

        public String getOidcClientId() {
            return this.oidcClientId;
        }

        public void setOidcClientId(String oidcClientId) {
            this.oidcClientId = oidcClientId;
        }

        public Duration getRefreshBeforeExpiry() {
            return this.refreshBeforeExpiry;
        }

        public void setRefreshBeforeExpiry(Duration refreshBeforeExpiry) {
            this.refreshBeforeExpiry = refreshBeforeExpiry;
        }

        public boolean isReconnectOnRefresh() {
            return this.reconnectOnRefresh;
        }

        public void setReconnectOnRefresh(boolean reconnectOnRefresh) {
            this.reconnectOnRefresh = reconnectOnRefresh;
        }

        @Override
        public String toString() {
            return "Auth[strategy=" + this.strategy + ", username=" + this.username + ", password="
                    + ((this.password != null) ? "******" : null) + ", oidcClientId=" + this.oidcClientId + "]";
        }
    }

    /** {@code iot.stellanow.queue.*}; defaults as the SDKs: in memory, unbounded, raise-exception, 100 in flight. */
    public static class Queue extends OutboundQueueProperties {

        Queue() {
            // In-flight up to 65535: MQTT packet ids are 16 bits.
            super(0, 100, 65535);
            // A failed publish means the connection dropped, and the connection paces its own reconnects: the
            // dispatcher only pauses briefly so it resumes soon after the connection is back.
            getRetry().setMaxDelay(Duration.ofSeconds(5));
        }

        void validate() {
            validate(PREFIX + ".queue");
        }
    }
}
