package dev.iotspring.spotflow;

/**
 * How a stream message's payload is compressed before it leaves the device. Brotli needs the optional
 * {@code com.aayushatharva.brotli4j:brotli4j} library; a payload is sent compressed only when that makes it
 * strictly smaller (the topic then carries {@code content-encoding=br}), otherwise as it is.
 */
public enum Compression {

    /** The payload is sent as given. */
    UNCOMPRESSED,

    /** Brotli quality 1: little CPU, less saving. */
    FASTEST,

    /** Brotli quality 11: most saving, most CPU. */
    SMALLEST_SIZE;

    /** Whether the Brotli library (brotli4j with a native part for this machine) can be used. */
    public static boolean isBrotliAvailable() {
        return BrotliCompressor.isAvailable();
    }

    /** The Brotli quality of this level, or -1 for {@link #UNCOMPRESSED}. */
    int brotliQuality() {
        return switch (this) {
            case UNCOMPRESSED -> -1;
            case FASTEST -> 1;
            case SMALLEST_SIZE -> 11;
        };
    }
}
