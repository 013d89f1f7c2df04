package dev.iotspring.astarte;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Astarte device ids: 16 bytes written as URL-safe base64 without padding (always 22 characters). The id is
 * the raw UUID bytes, never the base64 of the UUID's text (the official Java SDK's mistake, which yields
 * 48-character ids the server truncates).
 */
public final class AstarteDeviceIds {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private static final Pattern FORM = Pattern.compile("[A-Za-z0-9_-]{21}[AQgw]");

    private AstarteDeviceIds() {
    }

    /** A random id (UUID version 4). */
    public static String random() {
        return of(UUID.randomUUID());
    }

    /**
     * A deterministic id: UUID version 5 (SHA-1) of {@code namespace} and the UTF-8 bytes of {@code data}, e.g.
     * a MAC address, so the same hardware always gets the same id.
     */
    public static String fromNamespace(UUID namespace, String data) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(data, "data");
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-1 is required by every Java platform", ex);
        }
        sha1.update(bytes(namespace));
        byte[] hash = sha1.digest(data.getBytes(StandardCharsets.UTF_8));
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x50);
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
        ByteBuffer buffer = ByteBuffer.wrap(hash, 0, 16);
        return of(new UUID(buffer.getLong(), buffer.getLong()));
    }

    /** The id of a UUID: its 16 bytes in RFC 4122 (big-endian) order. */
    public static String of(UUID uuid) {
        return ENCODER.encodeToString(bytes(Objects.requireNonNull(uuid, "uuid")));
    }

    /**
     * Whether {@code id} is a canonical device id: 22 characters of the URL-safe alphabet encoding exactly 16
     * bytes (the last character carries 2 bits, so only A, Q, g or w may end it).
     */
    public static boolean isValid(String id) {
        return id != null && FORM.matcher(id).matches();
    }

    private static byte[] bytes(UUID uuid) {
        return ByteBuffer.allocate(16)
            .putLong(uuid.getMostSignificantBits())
            .putLong(uuid.getLeastSignificantBits())
            .array();
    }
}
