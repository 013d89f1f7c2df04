package dev.iotspring.astarte;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.core.store.JdbcKeyValueStore;

/**
 * Keeps a device paired (spec §1 steps 2-4 and 8): the credentials secret (configured, stored, or obtained once
 * by registering with an agent JWT), the broker URL, and a client certificate that Astarte still considers valid.
 * Secret, private key and certificate live in the platform's SQLite store, so a restart neither registers again
 * nor requests a certificate (each request revokes the previous certificate). Nothing secret is logged.
 */
final class AstartePairing {

    private static final Logger logger = LoggerFactory.getLogger(AstartePairing.class);

    private final AstartePairingClient client;

    /** Opened beside the application's startup: waited for on first use. */
    private final Supplier<JdbcKeyValueStore> store;

    private final String realm;

    private final String deviceId;

    private final @Nullable String configuredSecret;

    private final @Nullable Supplier<String> agentToken;

    private final Clock clock;

    private @Nullable String secret;

    private @Nullable AstarteCredentials credentials;

    private volatile @Nullable Instant certificateNotAfter;

    private volatile @Nullable String lastError;

    AstartePairing(AstartePairingClient client, Supplier<JdbcKeyValueStore> store, String realm,
            String deviceId, @Nullable String configuredSecret, @Nullable Supplier<String> agentToken, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.store = Objects.requireNonNull(store, "store");
        this.realm = realm;
        this.deviceId = deviceId;
        this.configuredSecret = configuredSecret;
        this.agentToken = agentToken;
        this.clock = clock;
    }

    /** Whether the device can get a secret: configured, stored, or through registration. */
    boolean canPair() {
        return this.configuredSecret != null || this.agentToken != null
                || this.store.get().get(key("secret")).isPresent();
    }

    /** The credentials secret, registering the device when none is configured or stored. */
    synchronized String secret() {
        if (this.secret != null) {
            return this.secret;
        }
        if (this.configuredSecret != null) {
            this.secret = this.configuredSecret;
            return this.secret;
        }
        String stored = this.store.get().getString(key("secret")).orElse(null);
        if (stored != null) {
            this.secret = stored;
            return stored;
        }
        if (this.agentToken == null) {
            throw new AstartePairingException("Astarte device " + this.deviceId + " has no credentials secret: set "
                    + "iot.astarte.credentials-secret, or iot.astarte.pairing.jwt / pairing.private-key to register it",
                    400);
        }
        logger.info("Astarte: registering device {} in realm {}", this.deviceId, this.realm);
        String obtained = this.client.register(this.agentToken.get(), this.deviceId);
        this.store.get().putString(key("secret"), obtained);
        this.secret = obtained;
        return obtained;
    }

    /** The broker URL the Pairing API gives this device (mqtts, or ssl as in the API's examples). */
    String brokerUrl() {
        String url = this.client.info(secret(), this.deviceId).brokerUrl();
        return url.startsWith("ssl://") ? "mqtts://" + url.substring("ssl://".length()) : url;
    }

    /**
     * A certificate Astarte accepts: the current (or stored) one if Astarte's verify says it is still valid (it may
     * have been revoked meanwhile), else a new one from a fresh key pair and CSR. 
     */
    synchronized AstarteCredentials certificate() {
        AstarteCredentials current = (this.credentials != null) ? this.credentials : load();
        Instant now = this.clock.instant();
        if (current != null && !current.isExpired(now)) {
            if (this.client.verify(secret(), this.deviceId, current.certificatePem())) {
                return use(current);
            }
            logger.info("Astarte: the certificate of device {} is no longer valid; requesting a new one",
                    this.deviceId);
        }
        else if (current != null) {
            logger.info("Astarte: the certificate of device {} expired at {}; requesting a new one", this.deviceId,
                    current.notAfter());
        }
        KeyPair keys = AstarteCredentials.generateKeyPair();
        String pem = this.client.requestCertificate(secret(), this.deviceId,
                AstarteCredentials.csr(keys, this.realm, this.deviceId));
        AstarteCredentials issued = new AstarteCredentials(keys.getPrivate(), AstarteCredentials.parseCertificate(pem),
                pem);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(key("private-key"), keys.getPrivate().getEncoded());
        entries.put(key("certificate"), pem.getBytes(StandardCharsets.US_ASCII));
        this.store.get().putAll(entries);
        logger.info("Astarte: device {} got a certificate valid until {}", this.deviceId, issued.notAfter());
        return use(issued);
    }

    private AstarteCredentials use(AstarteCredentials c) {
        this.credentials = c;
        this.certificateNotAfter = c.notAfter();
        this.lastError = null;
        return c;
    }

    private @Nullable AstarteCredentials load() {
        byte[] key = this.store.get().get(key("private-key")).orElse(null);
        String pem = this.store.get().getString(key("certificate")).orElse(null);
        if (key == null || pem == null) {
            return null;
        }
        return new AstarteCredentials(AstarteCredentials.parsePrivateKey(key), AstarteCredentials.parseCertificate(pem),
                pem);
    }

    void failed(String error) {
        this.lastError = error;
    }

    boolean isPaired() {
        return this.secret != null || this.configuredSecret != null
                || this.store.get().get(key("secret")).isPresent();
    }

    @Nullable Instant certificateNotAfter() {
        return this.certificateNotAfter;
    }

    @Nullable String lastError() {
        return this.lastError;
    }

    private String key(String item) {
        return this.deviceId + "." + item;
    }

    @Override
    public String toString() {
        return "AstartePairing[realm=" + this.realm + ", deviceId=" + this.deviceId + "]";
    }
}
