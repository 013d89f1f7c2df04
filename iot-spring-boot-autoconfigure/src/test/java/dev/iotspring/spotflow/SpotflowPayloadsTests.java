package dev.iotspring.spotflow;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.Decoder;
import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import com.aayushatharva.brotli4j.decoder.DirectDecompress;
import com.aayushatharva.brotli4j.encoder.Encoder;

import dev.iotspring.spotflow.SpotflowPayloads.Prepared;

import static org.assertj.core.api.Assertions.assertThat;

class SpotflowPayloadsTests {

    private static final byte[] TEXT = "{\"temperature\":21.5,\"humidity\":40}\n".repeat(200)
        .getBytes(StandardCharsets.UTF_8);

    @Test
    void bothLevelsRoundTripAndSmallestIsNotLarger() throws IOException {
        Prepared fastest = SpotflowPayloads.prepare(TEXT, Compression.FASTEST);
        Prepared smallest = SpotflowPayloads.prepare(TEXT, Compression.SMALLEST_SIZE);
        assertThat(fastest.brotli()).isTrue();
        assertThat(smallest.brotli()).isTrue();
        assertThat(fastest.bytes().length).isLessThan(TEXT.length);
        assertThat(smallest.bytes().length).isLessThanOrEqualTo(fastest.bytes().length);
        assertThat(decode(fastest.bytes())).isEqualTo(TEXT);
        assertThat(decode(smallest.bytes())).isEqualTo(TEXT);
    }

    @Test
    void fastestIsBrotliQualityOneAndSmallestSizeIsQualityEleven() throws IOException {
        // The reference SDK's two levels (spec §4); the encoder is deterministic, so each level has one output.
        Brotli4jLoader.ensureAvailability();
        byte[] quality1 = Encoder.compress(TEXT, new Encoder.Parameters().setQuality(1));
        byte[] quality11 = Encoder.compress(TEXT, new Encoder.Parameters().setQuality(11));
        assertThat(quality1).isNotEqualTo(quality11);
        assertThat(SpotflowPayloads.prepare(TEXT, Compression.FASTEST).bytes()).isEqualTo(quality1);
        assertThat(SpotflowPayloads.prepare(TEXT, Compression.SMALLEST_SIZE).bytes()).isEqualTo(quality11);
    }

    @Test
    void incompressibleDataIsSentAsItIs() {
        byte[] random = new byte[4096];
        new Random(42).nextBytes(random);
        Prepared prepared = SpotflowPayloads.prepare(random, Compression.SMALLEST_SIZE);
        assertThat(prepared.brotli()).isFalse();
        assertThat(prepared.bytes()).isEqualTo(random);
        // One byte never gets smaller.
        assertThat(SpotflowPayloads.prepare(new byte[] { 'x' }, Compression.FASTEST).brotli()).isFalse();
    }

    @Test
    void emptyAndUncompressedPayloadsAreUntouched() {
        assertThat(SpotflowPayloads.prepare(new byte[0], Compression.FASTEST)).isEqualTo(new Prepared(new byte[0],
                false));
        assertThat(SpotflowPayloads.prepare(TEXT, Compression.UNCOMPRESSED)).isEqualTo(new Prepared(TEXT, false));
    }

    @Test
    void payloadsOverTheInlineLimitAfterCompressionGoByFileUpload() {
        byte[] atLimit = new byte[SpotflowPayloads.MAX_PAYLOAD_BYTES];
        assertThat(SpotflowPayloads.prepare(atLimit, Compression.UNCOMPRESSED).externalized()).isFalse();
        byte[] over = new byte[SpotflowPayloads.MAX_PAYLOAD_BYTES + 1];
        SpotflowPayloads.Prepared large = SpotflowPayloads.prepare(over, Compression.UNCOMPRESSED);
        assertThat(large.externalized()).isTrue();
        assertThat(large.bytes()).hasSize(250_001);
        // Zeros compress far below the limit, so the compressed form goes inline.
        SpotflowPayloads.Prepared compressed = SpotflowPayloads.prepare(over, Compression.FASTEST);
        assertThat(compressed.brotli()).isTrue();
        assertThat(compressed.externalized()).isFalse();
        assertThat(compressed.bytes().length).isLessThan(1000);
    }

    static byte[] decode(byte[] brotli) throws IOException {
        Brotli4jLoader.ensureAvailability();
        DirectDecompress result = Decoder.decompress(brotli);
        assertThat(result.getResultStatus()).isEqualTo(DecoderJNI.Status.DONE);
        return result.getDecompressedData();
    }
}
