package dev.iotspring.spotflow;

import java.util.Arrays;

/**
 * Turns a stream message into what goes on the wire: compressed when asked and only when that is strictly
 * smaller, and marked for IoT Hub file upload when still larger than {@value #MAX_PAYLOAD_BYTES} bytes.
 */
final class SpotflowPayloads {

    /** The largest payload sent inline; larger ones go through IoT Hub file upload (as the reference SDK). */
    static final int MAX_PAYLOAD_BYTES = 250_000;

    private SpotflowPayloads() {
    }

    /** The (possibly compressed) bytes, whether they are Brotli-encoded, whether they go by file upload. */
    record Prepared(byte[] bytes, boolean brotli, boolean externalized) {

        Prepared(byte[] bytes, boolean brotli) {
            this(bytes, brotli, false);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Prepared p && this.brotli == p.brotli && this.externalized == p.externalized
                    && Arrays.equals(this.bytes, p.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(this.bytes) * 31 + Boolean.hashCode(this.brotli) * 2
                    + Boolean.hashCode(this.externalized);
        }

        @Override
        public String toString() {
            return "Prepared[bytes=" + this.bytes.length + ", brotli=" + this.brotli + ", externalized="
                    + this.externalized + "]";
        }
    }

    /**
     * @throws SpotflowValidationException when compression is asked for without the Brotli library
     */
    static Prepared prepare(byte[] payload, Compression compression) {
        byte[] wire = payload;
        boolean brotli = false;
        if (compression != Compression.UNCOMPRESSED && payload.length > 0) {
            if (!BrotliCompressor.isAvailable()) {
                throw new SpotflowValidationException("compression", compression
                        + " needs the Brotli library com.aayushatharva.brotli4j:brotli4j (with its native part) "
                        + "on the classpath");
            }
            byte[] compressed = BrotliCompressor.compress(payload, compression.brotliQuality());
            if (compressed.length < payload.length) {
                wire = compressed;
                brotli = true;
            }
        }
        return new Prepared(wire, brotli, wire.length > MAX_PAYLOAD_BYTES);
    }
}
