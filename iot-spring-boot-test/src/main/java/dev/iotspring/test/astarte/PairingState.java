package dev.iotspring.test.astarte;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/** The devices of the emulated realm: credentials secrets, pairing status and issued certificates. */
final class PairingState {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Device> devices = new ConcurrentHashMap<>();

    /**
     * The canonical 22-character id of a device id as the server decodes it (spec §2): base64url without
     * padding, at least 16 bytes (longer ids are cut to their first 16 bytes); null when it is not one.
     */
    static @Nullable String canonicalId(@Nullable String id) {
        if (id == null || id.isEmpty() || !id.matches("[A-Za-z0-9_-]+")) {
            return null;
        }
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(id);
            if (bytes.length < 16) {
                return null;
            }
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(bytes, 16));
        }
        catch (IllegalArgumentException ex) {
            return null;
        }
    }

    /** 32 random bytes, standard base64 (44 characters, may contain {@code + / =}), like Astarte's secrets. */
    static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * Registers {@code deviceId} (canonical) or renews the secret of a device that never asked for credentials.
     * @return the new secret, or empty when the device already obtained credentials (422 "already registered")
     */
    synchronized Optional<String> register(String deviceId) {
        Device device = this.devices.get(deviceId);
        if (device != null && device.confirmed) {
            return Optional.empty();
        }
        Device fresh = new Device(deviceId, newSecret());
        this.devices.put(deviceId, fresh);
        return Optional.of(fresh.secret);
    }

    synchronized boolean unregister(String deviceId) {
        return this.devices.remove(deviceId) != null;
    }

    @Nullable Device device(String deviceId) {
        return this.devices.get(deviceId);
    }

    /** The device whose secret this is, or null (unknown device or wrong secret). */
    @Nullable Device authenticate(String deviceId, @Nullable String secret) {
        Device device = this.devices.get(deviceId);
        return (device != null && secret != null && MessageDigest.isEqual(device.secret.getBytes(StandardCharsets.UTF_8),
                secret.getBytes(StandardCharsets.UTF_8))) ? device : null;
    }

    /** One device of the realm. Guarded by its own monitor. */
    static final class Device {

        final String id;

        final String secret;

        volatile boolean confirmed;

        volatile boolean inhibited;

        private final List<X509Certificate> certificates = new ArrayList<>();

        Device(String id, String secret) {
            this.id = id;
            this.secret = secret;
        }

        /** Adds a newly issued certificate; returns the serial it supersedes, if any. */
        synchronized @Nullable BigInteger issued(X509Certificate certificate) {
            BigInteger previous = this.certificates.isEmpty() ? null
                    : this.certificates.get(this.certificates.size() - 1).getSerialNumber();
            this.certificates.add(certificate);
            this.confirmed = true;
            return previous;
        }

        synchronized List<X509Certificate> certificates() {
            return List.copyOf(this.certificates);
        }

        String status() {
            return this.inhibited ? "inhibited" : (this.confirmed ? "confirmed" : "pending");
        }
    }
}
