package dev.iotspring.astarte;

import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Purge-properties payloads of spec §8. */
class AstartePurgeListTests {

    private static String hex(byte[] b) {
        return HexFormat.ofDelimiter(" ").formatHex(b);
    }

    @Test
    void encodesTheSpecVectors() {
        assertThat(hex(AstartePurgeList.encode(List.of()))).isEqualTo("00 00 00 00");
        byte[] example = AstartePurgeList.encode(
                List.of("com.example.MyInterface/some/path", "org.example.DraftInterface/otherPath"));
        assertThat(hex(example)).isEqualTo("00 00 00 46 78 9c 4b ce cf d5 4b ad 48 cc 2d c8 49 d5 f3 ad f4 cc "
                + "2b 49 2d 4a 4b 4c 4e d5 2f ce cf 4d d5 2f 48 2c c9 b0 ce 2f 4a 87 ab 70 29 4a 4c 2b 41 28 ca 2f c9 48 "
                + "2d 0a 00 2a 02 00 b2 0c 1a c9");
        assertThat(AstartePurgeList.decode(example)).containsExactly("com.example.MyInterface/some/path",
                "org.example.DraftInterface/otherPath");
    }

    @Test
    void decodingIgnoresTheHeaderAndRefusesGarbage() {
        byte[] littleEndian = AstartePurgeList.encode(List.of("a.B/c"));
        littleEndian[0] = 5;
        littleEndian[3] = 0;
        assertThat(AstartePurgeList.decode(littleEndian)).containsExactly("a.B/c");
        assertThat(AstartePurgeList.decode(AstartePurgeList.encode(List.of()))).isEmpty();
        // The other spelling of "no properties": a header plus the zlib stream of an empty text.
        assertThat(AstartePurgeList.decode(HexFormat.of().parseHex("00000000789c030000000001"))).isEmpty();
        assertThatIllegalArgumentException().isThrownBy(() -> AstartePurgeList.decode(new byte[] { 0, 0 }));
        assertThatIllegalArgumentException().isThrownBy(() -> AstartePurgeList.decode(new byte[] { 0, 0, 0, 1, 7, 7 }));
    }
}
