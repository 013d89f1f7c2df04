package dev.iotspring.test.astarte;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.core.io.support.ResourcePatternResolver;

import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.mqtt.EmbeddedMqttBroker.ClientAuthentication;
import dev.iotspring.test.netty.IsolatedLoopHttpServer;
import dev.iotspring.test.tls.IssuedCertificate;
import dev.iotspring.test.tls.TestCertificateAuthority;

/**
 * An in-process Astarte realm for device clients ({@code specs/astarte.md} §16.1): the Pairing API over HTTP(S),
 * an MQTT broker with mutual TLS that admits only certificates the Pairing API issued, and the "Astarte side"
 * that decodes device traffic and publishes server data.
 *
 * <pre>
 * try (AstarteEmulator astarte = AstarteEmulator.builder().realm("test").start()) {
 *     astarte.pairingUrl();                // iot.astarte.pairing-url
 *     astarte.agentToken();                // a JWT for iot.astarte.pairing.jwt (or realmPrivateKeyPem())
 *     astarte.certificateAuthority();      // trust for pairing (https) and broker
 *     astarte.awaitMessages(deviceId, m -&gt; m.kind() == DeviceMessage.Kind.INTROSPECTION, 1, timeout);
 *     astarte.setServerProperty(deviceId, "org.example.Settings", "/rate", 5);
 *     astarte.wipeSession(deviceId);       // next CONNACK: session present = false
 * }
 * </pre>
 *
 * <p>Pairing (spec §3): {@code POST /v1/<realm>/agent/devices} and {@code DELETE .../agent/devices/<id>} need an
 * agent JWT signed by the realm key (RS/PS/ES 256/384/512, {@code exp}, {@code a_pa}); device routes need
 * {@code Authorization: Bearer <credentials_secret>}. Errors, with Astarte's detail texts: 400 (no JSON
 * {@code "data"}), 401 (no token or secret header, invalid token), 403 (unknown realm, wrong secret, {@code a_pa}
 * not granting the route, credentials inhibited), 404 (unknown device or route), 422 (bad {@code hw_id}, bad CSR,
 * "Device already registered"). Each new certificate revokes the previous one.
 *
 * <p>Broker (spec §5): TLS with a client certificate of {@link #certificateAuthority()} (expired ones fail the
 * handshake); CONNECT is refused with not-authorized when the certificate is revoked or names no registered device,
 * with identifier-rejected when the client id differs from the CN; publishing outside {@code realm/device_id}
 * closes the connection, such subscriptions get 0x80.
 *
 * <p>Astarte side (spec §6–§9): every device publish is recorded as a {@link DeviceMessage}; {@code emptyCache} is
 * answered with the consumer purge list and every server property; a device error (invalid introspection, data on an
 * interface outside the introspection, undecodable BSON or purge list, writes to server-owned or unset on datastream
 * interfaces {@link #installInterface(String) installed}) disconnects the device and wipes its session, as Astarte
 * does (switch off with {@link Builder#strict(boolean)}); a payload over 65535 bytes only drops the connection, as
 * the VerneMQ plugin's {@code max_message_size} does.
 */
public final class AstarteEmulator implements AutoCloseable {

    /** The SSL bundle {@link #springProperties(String)} declares with the emulator's CA. */
    public static final String SSL_BUNDLE = "iot-astarte-emulator";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String realm;

    private final @Nullable KeyPair realmKeys;

    private final TestCertificateAuthority ca;

    private final @Nullable IssuedCertificate pairingServerCertificate;

    private final PairingState pairing = new PairingState();

    private final DeviceCertificates certificates;

    private final PairingFaults faults = new PairingFaults();

    private final PairingApi api;

    private final EmbeddedMqttBroker broker;

    private final AstarteSide side;

    private final IsolatedLoopHttpServer server;

    private AstarteEmulator(Builder builder) {
        this.realm = builder.realm;
        this.realmKeys = (builder.realmPublicKey == null) ? generateRealmKeys() : null;
        PublicKey realmKey = (this.realmKeys != null) ? this.realmKeys.getPublic()
                : Objects.requireNonNull(builder.realmPublicKey);
        this.ca = (builder.ca != null) ? builder.ca : TestCertificateAuthority.create("Astarte emulator test CA");
        Clock clock = Clock.systemUTC();
        this.certificates = new DeviceCertificates(this.ca, clock, builder.certificateValidity);
        this.broker = EmbeddedMqttBroker.builder()
            .webSocket(false)
            .tls(this.ca)
            .clientCertificates(this.ca, ClientAuthentication.REQUIRED)
            .persistentSessions(builder.persistentSessions)
            .authenticator(new DeviceBrokerAccess(this.realm, this.pairing, this.certificates))
            .topicAuthorizer(DeviceBrokerAccess.topics())
            .build();
        this.side = new AstarteSide(this.realm, this.broker, builder.strict);
        this.broker.addPublishListener(this.side::onPublish);
        this.api = new PairingApi(JSON, clock, this.realm, realmKey, this.pairing, this.certificates, this.faults,
                this::brokerUrl);
        this.pairingServerCertificate = builder.httpsPairing ? this.ca.issueLocalhostServer() : null;
        HttpServer http = (this.pairingServerCertificate != null)
                ? IsolatedLoopHttpServer.secure(HttpServer.create(), this.pairingServerCertificate.privateKey(),
                        this.pairingServerCertificate.chain().toArray(X509Certificate[]::new))
                : HttpServer.create();
        this.broker.start();
        try {
            this.server = IsolatedLoopHttpServer.bind("astarte-pairing",
                    http.host("127.0.0.1").port(0).handle(this.api::handle));
        }
        catch (RuntimeException ex) {
            this.broker.close();
            throw ex;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------------ addresses

    public String realm() {
        return this.realm;
    }

    /**
     * The Pairing API base URL, e.g. {@code http://127.0.0.1:40123/pairing} ({@code https://localhost:...} with
     * {@link Builder#httpsPairing(boolean)}): the value for {@code iot.astarte.pairing-url}; clients append
     * {@code /v1/<realm>/...}.
     */
    public String pairingUrl() {
        return (this.pairingServerCertificate != null ? "https://localhost:" : "http://127.0.0.1:") + this.server.port()
                + PairingApi.BASE_PATH;
    }

    /** The {@code broker_url} the Pairing API hands out: {@code mqtts://localhost:<port>/}. */
    public String brokerUrl() {
        return this.broker.tlsUrl() + "/";
    }

    /** The broker (recordings of raw CONNECT/PUBLISH packets, fault knobs such as withheld acks, stop/start). */
    public EmbeddedMqttBroker broker() {
        return this.broker;
    }

    /** The CA behind the broker's and the pairing server's certificates and the device certificates. */
    public TestCertificateAuthority certificateAuthority() {
        return this.ca;
    }

    /** The MQTT client id (and certificate CN) of a device: {@code realm/device_id}. */
    public String clientId(String deviceId) {
        return this.side.clientId(deviceId);
    }

    /**
     * Spring properties that point the starter's device at this emulator: {@code iot.astarte.*} with the realm, the
     * Pairing API URL, the device id, the realm key to register with, and trust of the emulator's CA through the SSL
     * bundle {@value #SSL_BUNDLE} ({@code spring.ssl.bundle.pem.*}).
     */
    public Map<String, Object> springProperties(String deviceId) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("iot.astarte.enabled", "true");
        properties.put("iot.astarte.realm", this.realm);
        properties.put("iot.astarte.pairing-url", pairingUrl());
        properties.put("iot.astarte.device-id", deviceId);
        properties.put("iot.astarte.pairing.private-key", realmPrivateKeyPem());
        properties.put("iot.astarte.ssl.bundle", SSL_BUNDLE);
        properties.put("spring.ssl.bundle.pem." + SSL_BUNDLE + ".truststore.certificate", this.ca.certificatePem());
        return properties;
    }

    // ---------------------------------------------------------------------------------------- realm key

    /** The realm's private key as PKCS#8 PEM (for {@code iot.astarte.pairing.private-key}); only for a generated key. */
    public String realmPrivateKeyPem() {
        return TestCertificateAuthority.privateKeyPem(requireRealmKeys().getPrivate());
    }

    /** An agent JWT (ES256, {@code a_pa [".*::.*"]}, valid 10 minutes) signed by the generated realm key. */
    public String agentToken() {
        long now = Instant.now().getEpochSecond();
        return signAgentToken(requireRealmKeys().getPrivate(),
                Map.of("a_pa", List.of(".*::.*"), "iat", now, "exp", now + 600));
    }

    /** A JWT over {@code claims}, RS256 for an RSA key, ES256/384/512 for an EC key by its curve. */
    public static String signAgentToken(PrivateKey key, Map<String, ?> claims) {
        return AgentTokens.sign(JSON, key, claims);
    }

    /** Replaces the realm public key the agent JWTs are checked with. */
    public void realmPublicKey(PublicKey key) {
        this.api.realmKey(Objects.requireNonNull(key, "key"));
    }

    private KeyPair requireRealmKeys() {
        if (this.realmKeys == null) {
            throw new IllegalStateException("The realm key was given to the builder; its private key is the test's");
        }
        return this.realmKeys;
    }

    // ------------------------------------------------------------------------------------------- pairing

    /** Registers a device as an agent would; returns its credentials secret. */
    public String registerDevice(String deviceId) {
        String id = canonical(deviceId);
        return this.pairing.register(id)
            .orElseThrow(() -> new IllegalStateException("Device " + id + " already obtained credentials"));
    }

    /** The device's credentials secret, or null when it is not registered. */
    public @Nullable String credentialsSecret(String deviceId) {
        PairingState.Device device = this.pairing.device(canonical(deviceId));
        return (device != null) ? device.secret : null;
    }

    /** Whether the device is registered. */
    public boolean isRegistered(String deviceId) {
        return this.pairing.device(canonical(deviceId)) != null;
    }

    /** {@code pending}, {@code confirmed} (after a certificate) or {@code inhibited}; null when unregistered. */
    public @Nullable String deviceStatus(String deviceId) {
        PairingState.Device device = this.pairing.device(canonical(deviceId));
        return (device != null) ? device.status() : null;
    }

    /** Blocks (true) or allows again (false) credential requests of a device: 403 on {@code credentials}. */
    public void inhibitCredentials(String deviceId, boolean inhibited) {
        requireDevice(deviceId).inhibited = inhibited;
    }

    /**
     * Registers the device if needed and issues it a certificate for a fresh key, as a successful credentials
     * request would (revoking the previous one): for plain MQTT clients in tests.
     */
    public IssuedCertificate issueDeviceCertificate(String deviceId) {
        String id = canonical(deviceId);
        if (this.pairing.device(id) == null) {
            this.pairing.register(id);
        }
        KeyPair keys = generateKeys("secp256r1");
        X509Certificate certificate = this.certificates.signKey(keys.getPublic(), clientId(id));
        this.certificates.issued(requireDevice(id), certificate);
        return this.ca.withPrivateKey(certificate, keys.getPrivate(), clientId(id));
    }

    /** Every certificate issued to the device, oldest first. */
    public List<X509Certificate> certificates(String deviceId) {
        return requireDevice(deviceId).certificates();
    }

    /** Validity of the certificates issued from now on (negative: already expired when issued). */
    public void certificateValidity(Duration validity) {
        this.certificates.validity(Objects.requireNonNull(validity, "validity"));
    }

    /** Revokes every certificate of the device: verify says {@code REVOKED}, the broker refuses them. */
    public void revokeCertificates(String deviceId) {
        requireDevice(deviceId).certificates().forEach(this::revoke);
    }

    /** Revokes one certificate; connections already open stay open (until {@link #disconnect(String)}). */
    public void revoke(X509Certificate certificate) {
        this.certificates.revoke(certificate.getSerialNumber());
    }

    /** What {@code credentials/verify} would answer for this certificate. */
    public CertificateVerdict verify(X509Certificate certificate) {
        return this.certificates.verify(certificate);
    }

    /** Every Pairing API request so far, in arrival order. */
    public List<RecordedPairingRequest> pairingRequests() {
        return this.api.requests();
    }

    /** Pairing API requests whose path ends with {@code pathSuffix}, e.g. {@code /credentials}. */
    public List<RecordedPairingRequest> pairingRequests(String pathSuffix) {
        return this.api.requests().stream().filter((r) -> r.path().endsWith(pathSuffix)).toList();
    }

    /** Answers the next {@code count} Pairing API requests with {@code status} (4xx/5xx) before any check. */
    public void failPairingRequests(int count, int status) {
        this.faults.failNext(count, status);
    }

    // ------------------------------------------------------------------------------------- Astarte side

    /**
     * Installs an interface in the realm (its JSON definition): then device properties of it are tracked
     * ({@link #deviceProperties(String)}) and writes against its ownership or type are device errors.
     */
    public void installInterface(String interfaceJson) {
        this.side.install(InstalledInterface.parse(JSON.readTree(interfaceJson)));
    }

    /**
     * Installs every interface definition found at a Spring resource location pattern, e.g.
     * {@code classpath*:astarte/interfaces/*.json} (the device's own set), as {@link #installInterface(String)}.
     * @return how many were installed
     */
    public int installInterfaces(String locationPattern) {
        return installInterfaces(new PathMatchingResourcePatternResolver(), locationPattern);
    }

    /** {@link #installInterfaces(String)} with the application's resource resolver. */
    public int installInterfaces(ResourcePatternResolver resolver, String locationPattern) {
        try {
            Resource[] found = resolver.getResources(locationPattern.trim());
            for (Resource resource : found) {
                try (InputStream in = resource.getInputStream()) {
                    installInterface(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
            return found.length;
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot read the Astarte interfaces of " + locationPattern, ex);
        }
    }

    /** Everything the device published, decoded, in arrival order. */
    public List<DeviceMessage> messages(String deviceId) {
        return this.side.messages(deviceId);
    }

    /** Waits until at least {@code count} of the device's messages match; returns the matching ones. */
    public List<DeviceMessage> awaitMessages(String deviceId, Predicate<DeviceMessage> filter, int count,
            Duration timeout) {
        return this.side.await(deviceId, filter, count, timeout);
    }

    /** The device's last valid introspection: interface name → {@code major:minor}. */
    public Map<String, String> introspection(String deviceId) {
        return this.side.device(deviceId).introspection();
    }

    /** Device-owned properties Astarte holds ({@code <interface><path>} → value), for installed interfaces. */
    public Map<String, Object> deviceProperties(String deviceId) {
        return this.side.device(deviceId).deviceProperties();
    }

    /** Device errors Astarte reacted to by disconnecting the device and wiping its session. */
    public List<DeviceError> deviceErrors(String deviceId) {
        return this.side.errors(deviceId);
    }

    /** Sets a server-owned property: stored (re-sent after {@code emptyCache}) and published QoS 2. */
    public CompletableFuture<Void> setServerProperty(String deviceId, String interfaceName, String path, Object value) {
        return this.side.setServerProperty(deviceId, interfaceName, path, value);
    }

    /** Unsets a server-owned property: an empty payload, QoS 2. */
    public CompletableFuture<Void> unsetServerProperty(String deviceId, String interfaceName, String path) {
        return this.side.unsetServerProperty(deviceId, interfaceName, path);
    }

    /** Server-owned properties Astarte holds for the device ({@code <interface><path>} → value). */
    public Map<String, Object> serverProperties(String deviceId) {
        return this.side.device(deviceId).serverProperties();
    }

    /**
     * Publishes a server datastream value (a Map for an object aggregate) with {@code qos} 0/1/2 by the mapping's
     * reliability, and {@code t} when {@code timestamp} is given.
     */
    public CompletableFuture<Void> sendDatastream(String deviceId, String interfaceName, String path, Object value,
            @Nullable Instant timestamp, int qos) {
        return this.side.publish(deviceId, "/" + interfaceName + path, AstartePayloads.bson(value, timestamp), qos);
    }

    /** Publishes {@code control/consumer/properties} listing the server properties Astarte holds. */
    public CompletableFuture<Void> sendConsumerProperties(String deviceId) {
        return this.side.publishConsumerPurgeList(deviceId, serverProperties(deviceId).keySet());
    }

    /** Publishes {@code control/consumer/properties} with exactly these {@code <interface><path>} entries. */
    public CompletableFuture<Void> sendConsumerPurgeList(String deviceId, Set<String> entries) {
        return this.side.publishConsumerPurgeList(deviceId, entries);
    }

    /** Publishes raw bytes on {@code realm/device_id<subtopic>} (a subtopic starts with {@code /}). */
    public CompletableFuture<Void> publishRaw(String deviceId, String subtopic, byte[] payload, int qos) {
        return this.side.publish(deviceId, subtopic, payload, qos);
    }

    /** Whether the device is connected to the broker now. */
    public boolean isConnected(String deviceId) {
        return this.broker.isClientConnected(clientId(deviceId));
    }

    /** Drops the device's connection as a network failure would; its session stays. */
    public boolean disconnect(String deviceId) {
        return this.broker.disconnectClient(clientId(deviceId));
    }

    /** Disconnects the device and deletes its broker session: its next CONNACK has session-present false. */
    public boolean wipeSession(String deviceId) {
        return this.broker.invalidateSession(clientId(deviceId));
    }

    /** Forgets recorded pairing requests, device messages and errors (devices, keys and properties stay). */
    public void clearRecordings() {
        this.api.clearRequests();
        this.side.clear();
        this.broker.clearRecordings();
    }

    @Override
    public void close() {
        this.side.close();
        this.server.close(Duration.ofSeconds(2));
        this.broker.close();
    }

    // ------------------------------------------------------------------------------------------ internals

    private PairingState.Device requireDevice(String deviceId) {
        PairingState.Device device = this.pairing.device(canonical(deviceId));
        if (device == null) {
            throw new IllegalArgumentException("Device " + deviceId + " is not registered in realm " + this.realm);
        }
        return device;
    }

    private static String canonical(String deviceId) {
        String id = PairingState.canonicalId(deviceId);
        if (id == null) {
            throw new IllegalArgumentException("Not an Astarte device id (base64url of 16 bytes): " + deviceId);
        }
        return id;
    }

    private static KeyPair generateRealmKeys() {
        return generateKeys("secp256r1");
    }

    private static KeyPair generateKeys(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("No EC " + curve + " keys in this JVM", ex);
        }
    }

    /** Settings of an {@link AstarteEmulator}. */
    public static final class Builder {

        private String realm = "test";

        private @Nullable PublicKey realmPublicKey;

        private @Nullable TestCertificateAuthority ca;

        private Duration certificateValidity = Duration.ofDays(1);

        private boolean httpsPairing;

        private boolean persistentSessions;

        private boolean strict = true;

        private Builder() {
        }

        /** The realm name (default {@code test}). */
        public Builder realm(String realm) {
            if (realm == null || !realm.matches("[a-z][a-z0-9]{0,47}")) {
                throw new IllegalArgumentException("An Astarte realm name is lower-case letters and digits: " + realm);
            }
            this.realm = realm;
            return this;
        }

        /** The realm public key (RSA or EC) agent JWTs are checked with; default: a generated EC P-256 pair. */
        public Builder realmPublicKey(PublicKey key) {
            this.realmPublicKey = Objects.requireNonNull(key, "key");
            return this;
        }

        /** The CA for the broker, the pairing server and device certificates (default: a new one). */
        public Builder certificateAuthority(TestCertificateAuthority ca) {
            this.ca = Objects.requireNonNull(ca, "ca");
            return this;
        }

        /** Validity of issued device certificates (default 1 day; negative: expired when issued). */
        public Builder certificateValidity(Duration validity) {
            this.certificateValidity = Objects.requireNonNull(validity, "validity");
            return this;
        }

        /** Serve the Pairing API over https with a {@code localhost} certificate of the CA (default http). */
        public Builder httpsPairing(boolean https) {
            this.httpsPairing = https;
            return this;
        }

        /** Keep broker sessions on disk so they survive {@code broker().stop()}/{@code start()} (default false). */
        public Builder persistentSessions(boolean persistent) {
            this.persistentSessions = persistent;
            return this;
        }

        /** React to device errors by disconnecting and wiping the session, as Astarte does (default true). */
        public Builder strict(boolean strict) {
            this.strict = strict;
            return this;
        }

        /** Starts the broker and the Pairing API. */
        public AstarteEmulator start() {
            return new AstarteEmulator(this);
        }
    }
}
