package dev.iotspring.spotflow;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.springframework.util.ClassUtils;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.encoder.Encoder;

/**
 * Brotli encoding through the optional brotli4j library (JNI). Only referenced after {@link #isAvailable()} said
 * yes, so the class loads without the library on the classpath.
 */
final class BrotliCompressor {

    private static final String LOADER = "com.aayushatharva.brotli4j.Brotli4jLoader";

    private BrotliCompressor() {
    }

    /** Whether brotli4j and a native library for this machine are present. */
    static boolean isAvailable() {
        if (!ClassUtils.isPresent(LOADER, BrotliCompressor.class.getClassLoader())) {
            return false;
        }
        return Native.available();
    }

    /** Brotli at the given quality with the encoder's default window. */
    static byte[] compress(byte[] data, int quality) {
        return Native.compress(data, quality);
    }

    /** Isolates the library references from the availability check. */
    private static final class Native {

        static boolean available() {
            return Brotli4jLoader.isAvailable();
        }

        static byte[] compress(byte[] data, int quality) {
            Brotli4jLoader.ensureAvailability();
            try {
                return Encoder.compress(data, new Encoder.Parameters().setQuality(quality));
            }
            catch (IOException ex) {
                throw new UncheckedIOException("Brotli compression failed", ex);
            }
        }
    }
}
