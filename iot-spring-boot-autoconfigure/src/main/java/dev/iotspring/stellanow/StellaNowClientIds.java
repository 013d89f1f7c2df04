package dev.iotspring.stellanow;

import java.security.SecureRandom;

/** MQTT client ids in the style of the StellaNow SDKs: a fixed prefix and a 10-character nanoid. */
public final class StellaNowClientIds {

    /**
     * Prefix of generated ids. With the 10 random characters the id has 23 characters, the longest every
     * MQTT 3.1.1 broker must accept (the C# SDK, also on 3.1.1, uses the same length).
     */
    public static final String PREFIX = "StellaNowJvm_";

    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
        .toCharArray();

    private static final SecureRandom RANDOM = new SecureRandom();

    private StellaNowClientIds() {
    }

    /** {@value #PREFIX} plus 10 random URL-safe characters ({@code A-Za-z0-9_-}). */
    public static String generate() {
        StringBuilder id = new StringBuilder(PREFIX.length() + 10).append(PREFIX);
        for (int i = 0; i < 10; i++) {
            id.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return id.toString();
    }
}
