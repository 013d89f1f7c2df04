package dev.iotspring.core.queue;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * Message ids: random UUIDs version 4, lowercase, as {@link UUID#randomUUID()} makes them, from the same kind of
 * source (the platform's {@link SecureRandom}) but drawn {@value #IDS_PER_DRAW} ids at a time: {@code randomUUID}
 * asks the shared generator (a lock and a read of the system's random source) once per id, which showed in send
 * profiles. The generator is the JDK's {@code DRBG} (NIST SP 800-90A, seeded from the system's entropy source)
 * where it exists: Linux's default {@code NativePRNG} mixes every byte read from {@code /dev/urandom} with a SHA1
 * stream, about 280 ns of CPU per id against about 50. Every platform draws the id of each
 * {@link OutboundMessage} here.
 */
public final class MessageIds {

    private static final int IDS_PER_DRAW = 64;

    private static final SecureRandom random = generator();

    /** Random bytes not handed out yet, from {@link #next}; guarded by itself. */
    private static final byte[] pool = new byte[16 * IDS_PER_DRAW];

    private static int next = pool.length;

    private MessageIds() {
    }

    /** A new random UUID (version 4) in its canonical lowercase form. Thread-safe. */
    public static String next() {
        long mostSignificant;
        long leastSignificant;
        synchronized (pool) {
            if (next == pool.length) {
                random.nextBytes(pool);
                next = 0;
            }
            mostSignificant = readLong(next);
            leastSignificant = readLong(next + 8);
            next += 16;
        }
        // The version (4) and variant (IETF) bits, as UUID.randomUUID sets them.
        mostSignificant = (mostSignificant & ~0xF000L) | 0x4000L;
        leastSignificant = (leastSignificant & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(mostSignificant, leastSignificant).toString();
    }

    private static SecureRandom generator() {
        try {
            return SecureRandom.getInstance("DRBG");
        }
        catch (NoSuchAlgorithmException ex) {
            return new SecureRandom();
        }
    }

    private static long readLong(int at) {
        long value = 0;
        for (int i = at; i < at + 8; i++) {
            value = (value << 8) | (pool[i] & 0xFF);
        }
        return value;
    }
}
