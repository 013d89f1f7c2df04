package dev.iotspring.test.stellanow;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.mqtt.MqttAuthenticator;
import dev.iotspring.test.mqtt.MqttAuthenticator.Decision;
import dev.iotspring.test.mqtt.MqttAuthenticator.Decision.Refusal;
import dev.iotspring.test.mqtt.MqttConnectInfo;
import dev.iotspring.test.mqtt.MqttTopicAuthorizer;
import dev.iotspring.test.mqtt.RecordedConnect;
import dev.iotspring.test.mqtt.RecordedPublish;
import dev.iotspring.test.tls.IssuedCertificate;
import dev.iotspring.test.tls.TestCertificateAuthority;

/**
 * The StellaNow platform in a test: an MQTT broker that plays the ingestor (TCP and WebSocket {@code /mqtt},
 * optionally TLS and WSS with a test CA) and a fake Keycloak realm ({@link StellaNowIdentityProvider}) for the
 * organization.
 *
 * <p>Authentication modes, as the platform's SDKs know them:
 * <ul>
 * <li>{@link AuthMode#OIDC}: a CONNECT is accepted only when its username is an access token the identity
 * provider issued and that has not expired (MQTT 3.1.1 return code 5 / v5 0x87 otherwise, 4 / 0x86 without a
 * username);</li>
 * <li>{@link AuthMode#BASIC}: fixed username and password;</li>
 * <li>{@link AuthMode#NONE}: everyone is let in.</li>
 * </ul>
 * Every PUBLISH is recorded; {@link #events()} returns those to {@code in/{organizationId}} parsed as StellaNow
 * envelopes. The broker's fault knobs (withheld PUBACKs, refused connects, stop/start on the same ports) are
 * reachable through {@link #broker()}, refused publishes through {@link #refusePublishes(boolean)}, the identity provider's error modes through {@link #identityProvider()}.
 *
 * <pre>{@code
 * try (StellaNowEmulator stellaNow = StellaNowEmulator.builder().start()) {
 *     // application properties: stellaNow.springProperties()
 *     List<ReceivedEvent> events = stellaNow.awaitEvents(1, Duration.ofSeconds(5));
 * }
 * }</pre>
 */
public final class StellaNowEmulator implements AutoCloseable {

    /** User name of the default OIDC / basic account. */
    public static final String DEFAULT_USERNAME = "ingest@stellanow.test";

    private final UUID organizationId;

    private final UUID projectId;

    private volatile AuthMode authMode;

    private final String username;

    private final String password;

    private final StellaNowIdentityProvider identityProvider;

    private final EmbeddedMqttBroker broker;

    private final @Nullable TestCertificateAuthority certificateAuthority;

    private volatile boolean disconnectOnTokenExpiry;

    private volatile boolean refusePublishes;

    private @Nullable ScheduledExecutorService expiryWatch;

    private StellaNowEmulator(Builder builder) {
        this.organizationId = builder.organizationId;
        this.projectId = builder.projectId;
        this.authMode = builder.authMode;
        this.username = builder.username;
        this.password = builder.password;
        StellaNowIdentityProvider.Builder identityProvider = StellaNowIdentityProvider
            .builder(this.organizationId.toString())
            .user(this.username, this.password)
            .accessTokenLifetime(builder.accessTokenLifetime)
            .refreshTokenLifetime(builder.refreshTokenLifetime);
        EmbeddedMqttBroker.Builder broker = EmbeddedMqttBroker.builder()
            .webSocket(true)
            .authenticator(authenticator())
            // Decides at PUBLISH time, so refusePublishes(...) applies at once and survives broker().reset().
            .topicAuthorizer((client, action, topic) -> action != MqttTopicAuthorizer.Action.PUBLISH
                    || !this.refusePublishes);
        if (builder.tls || builder.httpsApi) {
            this.certificateAuthority = TestCertificateAuthority.create("StellaNow Test CA");
            IssuedCertificate server = this.certificateAuthority.issueLocalhostServer();
            if (builder.tls) {
                broker.tls(server);
            }
            if (builder.httpsApi) {
                identityProvider.tls(server.privateKey(), server.chain().toArray(X509Certificate[]::new));
            }
        }
        else {
            this.certificateAuthority = null;
        }
        this.identityProvider = identityProvider.build();
        this.broker = broker.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts the identity provider and the broker (a few seconds: share one emulator per test class). */
    public StellaNowEmulator start() {
        this.identityProvider.start();
        this.broker.start();
        return this;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (this.expiryWatch != null) {
                this.expiryWatch.shutdownNow();
                this.expiryWatch = null;
            }
        }
        try {
            this.broker.close();
        }
        finally {
            this.identityProvider.close();
        }
    }

    private MqttAuthenticator authenticator() {
        // Decides by the mode at CONNECT time, so authMode(...) applies without replacing the authenticator.
        return (connect) -> switch (this.authMode) {
            case NONE -> Decision.accept();
            case BASIC -> (this.username.equals(connect.username()) && this.password.equals(connect.passwordAsString()))
                    ? Decision.accept() : Decision.reject(Refusal.BAD_USERNAME_OR_PASSWORD);
            case OIDC -> checkToken(connect);
        };
    }

    private Decision checkToken(MqttConnectInfo connect) {
        if (connect.username() == null || connect.username().isEmpty()) {
            return Decision.reject(Refusal.BAD_USERNAME_OR_PASSWORD);
        }
        return this.identityProvider.isAccessTokenActive(connect.username()) ? Decision.accept()
                : Decision.reject(Refusal.NOT_AUTHORIZED);
    }

    public UUID organizationId() {
        return this.organizationId;
    }

    public UUID projectId() {
        return this.projectId;
    }

    public AuthMode authMode() {
        return this.authMode;
    }

    /**
     * Whether the broker drops a client once the access token it connected with expires (OIDC mode). Off by
     * default: which policy the real ingestor follows is not documented, so tests can check a client copes with
     * both. Checked every 100 ms.
     */
    public synchronized StellaNowEmulator disconnectOnTokenExpiry(boolean enabled) {
        this.disconnectOnTokenExpiry = enabled;
        if (enabled && this.expiryWatch == null) {
            this.expiryWatch = Executors.newSingleThreadScheduledExecutor((runnable) -> {
                Thread thread = new Thread(runnable, "stellanow-emulator-token-expiry");
                thread.setDaemon(true);
                return thread;
            });
            this.expiryWatch.scheduleWithFixedDelay(this::kickExpired, 100, 100, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    private void kickExpired() {
        if (!this.disconnectOnTokenExpiry || this.authMode != AuthMode.OIDC || !this.broker.isRunning()) {
            return;
        }
        try {
            // The latest accepted CONNECT of each client tells which token its session runs on.
            Map<String, String> tokens = new LinkedHashMap<>();
            for (RecordedConnect connect : this.broker.connects()) {
                if (connect.accepted()) {
                    tokens.put(connect.clientId(), connect.info().username());
                }
            }
            tokens.forEach((clientId, token) -> {
                if (!this.identityProvider.isAccessTokenActive(token) && this.broker.isClientConnected(clientId)) {
                    this.broker.disconnectClient(clientId);
                }
            });
        }
        catch (RuntimeException ex) {
            // The broker is stopping or restarting; the next round looks again.
        }
    }

    /**
     * Whether the broker refuses every PUBLISH, as for an account that may not write to the organization's topic.
     * MQTT 3.1.1 has no negative PUBACK: the broker closes the connection under the publish, and a client sees it
     * lost with the connection. Connects are still accepted.
     */
    public StellaNowEmulator refusePublishes(boolean refuse) {
        this.refusePublishes = refuse;
        return this;
    }

    /**
     * Switches how the broker authenticates the next CONNECTs (connected clients stay). {@code broker().reset()}
     * keeps the mode chosen here.
     */
    public StellaNowEmulator authMode(AuthMode mode) {
        this.authMode = Objects.requireNonNull(mode, "mode");
        return this;
    }

    /** The OIDC user (OIDC mode) or the MQTT user (basic mode). */
    public String username() {
        return this.username;
    }

    public String password() {
        return this.password;
    }

    /** The topic every event goes to: {@code in/{organizationId}}. */
    public String topic() {
        return "in/" + this.organizationId;
    }

    /** {@code mqtt://127.0.0.1:port}. */
    public String tcpUrl() {
        return this.broker.tcpUrl();
    }

    /** {@code ws://127.0.0.1:port/mqtt}. */
    public String webSocketUrl() {
        return this.broker.webSocketUrl();
    }

    /** {@code mqtts://localhost:port} (needs {@link Builder#tls()}). */
    public String tlsUrl() {
        return this.broker.tlsUrl();
    }

    /** {@code wss://localhost:port/mqtt} (needs {@link Builder#tls()}). */
    public String secureWebSocketUrl() {
        return this.broker.secureWebSocketUrl();
    }

    /** The platform's API base URL as the fake identity provider serves it. */
    public String apiBaseUrl() {
        return this.identityProvider.baseUrl().toString();
    }

    public StellaNowIdentityProvider identityProvider() {
        return this.identityProvider;
    }

    public EmbeddedMqttBroker broker() {
        return this.broker;
    }

    /**
     * The CA that signed the broker's and the API's certificates, or {@code null} without {@link Builder#tls} and
     * {@link Builder#httpsApi}.
     */
    public @Nullable TestCertificateAuthority certificateAuthority() {
        return this.certificateAuthority;
    }

    /**
     * Spring properties that point the starter at this emulator over plain TCP: {@code iot.stellanow.*} with the
     * organization, project, broker URL, API base URL and credentials of the chosen mode.
     */
    public Map<String, Object> springProperties() {
        return springProperties(tcpUrl());
    }

    /** Like {@link #springProperties()} with another of the emulator's broker URLs (ws, mqtts, wss). */
    public Map<String, Object> springProperties(String brokerUrl) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("iot.stellanow.enabled", "true");
        properties.put("iot.stellanow.organization-id", this.organizationId.toString());
        properties.put("iot.stellanow.project-id", this.projectId.toString());
        properties.put("iot.stellanow.broker-url", brokerUrl);
        properties.put("iot.stellanow.api-base-url", apiBaseUrl());
        properties.put("iot.stellanow.auth.strategy", this.authMode.name().toLowerCase(java.util.Locale.ROOT));
        if (this.authMode != AuthMode.NONE) {
            properties.put("iot.stellanow.auth.username", this.username);
            properties.put("iot.stellanow.auth.password", this.password);
        }
        return properties;
    }

    /** Every event published to {@code in/{organizationId}}, in arrival order. */
    public List<ReceivedEvent> events() {
        return this.broker.publishes(topic()).stream().map(ReceivedEvent::of).toList();
    }

    /** Waits until at least {@code count} events arrived; returns all of them. */
    public List<ReceivedEvent> awaitEvents(int count, Duration timeout) {
        String topic = topic();
        Predicate<RecordedPublish> onTopic = (p) -> topic.equals(p.topic());
        return this.broker.awaitPublishes(onTopic, count, timeout).stream().map(ReceivedEvent::of).toList();
    }

    /** Every CONNECT the broker saw, accepted or not. */
    public List<RecordedConnect> connects() {
        return this.broker.connects();
    }

    /** Forgets recorded events, CONNECTs and token requests. */
    public void clearRecordings() {
        this.broker.clearRecordings();
        this.identityProvider.clearRequests();
    }

    @Override
    public String toString() {
        return "StellaNowEmulator[organization=" + this.organizationId + ", auth=" + this.authMode + ", broker="
                + this.broker + "]";
    }

    /** How the emulated ingestor authenticates clients. */
    public enum AuthMode {

        /** Username = a live access token of the identity provider. */
        OIDC,

        /** Fixed username and password. */
        BASIC,

        /** No authentication (a local NanoMQ). */
        NONE
    }

    public static final class Builder {

        private UUID organizationId = UUID.randomUUID();

        private UUID projectId = UUID.randomUUID();

        private AuthMode authMode = AuthMode.OIDC;

        private String username = DEFAULT_USERNAME;

        private String password = "stellanow-" + UUID.randomUUID();

        private Duration accessTokenLifetime = Duration.ofSeconds(300);

        private Duration refreshTokenLifetime = Duration.ofSeconds(1800);

        private boolean tls;

        private boolean httpsApi;

        private Builder() {
        }

        public Builder organizationId(UUID organizationId) {
            this.organizationId = Objects.requireNonNull(organizationId, "organizationId");
            return this;
        }

        public Builder projectId(UUID projectId) {
            this.projectId = Objects.requireNonNull(projectId, "projectId");
            return this;
        }

        public Builder authMode(AuthMode authMode) {
            this.authMode = Objects.requireNonNull(authMode, "authMode");
            return this;
        }

        public Builder credentials(String username, String password) {
            this.username = Objects.requireNonNull(username, "username");
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /** {@code expires_in} of access tokens (whole seconds); short values exercise refreshes quickly. */
        public Builder accessTokenLifetime(Duration lifetime) {
            this.accessTokenLifetime = lifetime;
            return this;
        }

        public Builder refreshTokenLifetime(Duration lifetime) {
            this.refreshTokenLifetime = lifetime;
            return this;
        }

        /** Adds mqtts and wss listeners with a certificate for localhost from a fresh test CA. */
        public Builder tls() {
            this.tls = true;
            return this;
        }

        /**
         * Serves the API (the identity provider) over https with a certificate for localhost from the test CA,
         * as the platform does: {@link #apiBaseUrl()} becomes {@code https://localhost:port}. For clients that
         * refuse plain http for OIDC (the platform's TypeScript SDK); the starter's tests keep http.
         */
        public Builder httpsApi() {
            this.httpsApi = true;
            return this;
        }

        public StellaNowEmulator build() {
            return new StellaNowEmulator(this);
        }

        public StellaNowEmulator start() {
            return build().start();
        }
    }

    /**
     * One event as the broker received it, with accessors for the envelope fields.
     *
     * @param publish the raw PUBLISH (topic, QoS, retain, client id, bytes)
     * @param json the envelope text
     */
    public record ReceivedEvent(RecordedPublish publish, String json) {

        private static final JsonMapper MAPPER = JsonMapper.builder().build();

        static ReceivedEvent of(RecordedPublish publish) {
            return new ReceivedEvent(publish, new String(publish.payload(), StandardCharsets.UTF_8));
        }

        /** The envelope parsed ({@code key}, {@code value.metadata}, {@code value.payload} as a string). */
        public JsonNode envelope() {
            return MAPPER.readTree(this.json);
        }

        public String messageId() {
            return envelope().at("/value/metadata/messageId").asString();
        }

        public String eventType() {
            return envelope().at("/value/metadata/eventTypeDefinitionId").asString();
        }

        /** The payload string parsed as JSON. */
        public JsonNode payload() {
            return MAPPER.readTree(envelope().at("/value/payload").asString());
        }

        @Override
        public String toString() {
            return "ReceivedEvent[" + this.publish + "]";
        }
    }
}
