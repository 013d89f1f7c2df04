package dev.iotspring.spotflow;

import java.util.Arrays;

/**
 * Turns a stream message into what goes on the wire: compressed when asked and only when that is strictly
 * smaller, refused when larger than {@value #MAX_PAYLOAD_BYTES} bytes.
 */
final class SpotflowPayloads {

    /**
     * The largest payload sent inline. The reference SDK uploads larger ones through IoT Hub file upload, which
     * this client does not implement: they are refused before anything is queued.
     */
    static final int MAX_PAYLOAD_BYTES = 250_000;

    private SpotflowPayloads() {
    }

    /** The wire bytes and whether they are Brotli-encoded. */
    record Prepared(byte[] bytes, boolean brotli) {

        @Override
        public boolean equals(Object o) {
            return o instanceof Prepared p && this.brotli == p.brotli && Arrays.equals(this.bytes, p.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(this.bytes) * 31 + Boolean.hashCode(this.brotli);
        }

        @Override
        public String toString() {
            return "Prepared[bytes=" + this.bytes.length + ", brotli=" + this.brotli + "]";
        }
    }

    /**
     * @throws SpotflowValidationException when the payload (after compression) exceeds the limit, or compression
     * is asked for without the Brotli library
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
        if (wire.length > MAX_PAYLOAD_BYTES) {
            throw new SpotflowValidationException("payload", "has " + wire.length + " bytes"
                    + (brotli ? " after compression" : "") + ", more than the " + MAX_PAYLOAD_BYTES
                    + " bytes sent inline (large-payload upload is not supported)");
        }
        return new Prepared(wire, brotli);
    }
}
