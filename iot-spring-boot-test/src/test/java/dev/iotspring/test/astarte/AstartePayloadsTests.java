package dev.iotspring.test.astarte;

import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The emulator's payload codec against the golden vectors of spec §8 and §9. */
class AstartePayloadsTests {

    static byte[] hex(String spaced) {
        return HexFormat.of().parseHex(spaced.replace(" ", ""));
    }

    static final String PURGE_EXAMPLE = "00 00 00 46 78 9c 4b ce cf d5 4b ad 48 cc 2d c8 49 d5 f3 ad f4 cc 2b 49 2d 4a "
            + "4b 4c 4e d5 2f ce cf 4d d5 2f 48 2c c9 b0 ce 2f 4a 87 ab 70 29 4a 4c 2b 41 28 ca 2f c9 48 2d 0a 00 2a 02 "
            + "00 b2 0c 1a c9";

    @Test
    void encodesTheBsonVectors() {
        assertThat(AstartePayloads.bson(10, null)).isEqualTo(hex("0c 00 00 00 10 76 00 0a 00 00 00 00"));
        assertThat(AstartePayloads.bson(true, null)).isEqualTo(hex("09 00 00 00 08 76 00 01 00"));
        assertThat(AstartePayloads.bson(16.73, Instant.ofEpochMilli(1537449422890L))).isEqualTo(
                hex("1b 00 00 00 01 76 00 7b 14 ae 47 e1 ba 30 40 09 74 00 2a 70 20 f7 65 01 00 00 00"));
        assertThat(AstartePayloads.bson(5L, null)).isEqualTo(hex("10 00 00 00 12 76 00 05 00 00 00 00 00 00 00 00"));
        assertThat(AstartePayloads.bson("hi", null)).isEqualTo(hex("0f 00 00 00 02 76 00 03 00 00 00 68 69 00 00"));
        assertThat(AstartePayloads.bson(new byte[] { 1, 2 }, null))
            .isEqualTo(hex("0f 00 00 00 05 76 00 02 00 00 00 00 01 02 00"));
        assertThat(AstartePayloads.bson(List.of(1, 2), null))
            .isEqualTo(hex("1b 00 00 00 04 76 00 13 00 00 00 10 30 00 01 00 00 00 10 31 00 02 00 00 00 00 00"));
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("hum", 67.112);
        object.put("temp", 25.3123);
        assertThat(AstartePayloads.bson(object, null)).isEqualTo(hex("28 00 00 00 03 76 00 20 00 00 00 01 68 75 6d 00 "
                + "ba 49 0c 02 2b c7 50 40 01 74 65 6d 70 00 72 8a 8e e4 f2 4f 39 40 00 00"));
    }

    @Test
    void decodesValuesTimestampsAndTypes() {
        AstartePayloads.Decoded decoded = AstartePayloads
            .decode(hex("1b 00 00 00 01 76 00 7b 14 ae 47 e1 ba 30 40 09 74 00 2a 70 20 f7 65 01 00 00 00"));
        assertThat(decoded.value()).isEqualTo(16.73);
        assertThat(decoded.timestamp()).isEqualTo(Instant.ofEpochMilli(1537449422890L));
        assertThat(decoded.bsonType()).isEqualTo("DOUBLE");
        assertThat(AstartePayloads.decode(hex("10 00 00 00 12 76 00 05 00 00 00 00 00 00 00 00")).bsonType())
            .isEqualTo("INT64");
        assertThat(AstartePayloads.decode(AstartePayloads.bson(Map.of("a", List.of("x")), null)).value())
            .isEqualTo(Map.of("a", List.of("x")));
        Instant when = Instant.parse("2024-01-02T03:04:05.678Z");
        assertThat(AstartePayloads.decode(AstartePayloads.bson(when, null)).value()).isEqualTo(when);
        assertThat((byte[]) AstartePayloads.decode(hex("0f 00 00 00 05 76 00 02 00 00 00 00 01 02 00")).value())
            .containsExactly(1, 2);
    }

    @Test
    void refusesPayloadsAstarteCannotDecode() {
        assertThatThrownBy(() -> AstartePayloads.decode(new byte[] { 1, 2, 3 }))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AstartePayloads.decode(hex("05 00 00 00 00"))).hasMessageContaining("\"v\"");
        // "t" as a string, the bug Rust 0.6.7 fixed.
        byte[] stringT = new org.bson.RawBsonDocument(
                new org.bson.BsonDocument("v", new org.bson.BsonInt32(1)).append("t", new org.bson.BsonString("x")),
                new org.bson.codecs.BsonDocumentCodec()).getByteBuffer().array();
        assertThatThrownBy(() -> AstartePayloads.decode(stringT)).hasMessageContaining("datetime");
    }

    @Test
    void encodesAndDecodesPurgeLists() {
        Set<String> entries = new java.util.LinkedHashSet<>(
                List.of("com.example.MyInterface/some/path", "org.example.DraftInterface/otherPath"));
        assertThat(AstartePayloads.purgeList(entries)).isEqualTo(hex(PURGE_EXAMPLE));
        assertThat(AstartePayloads.purgeList(List.of())).isEqualTo(hex("00 00 00 00 78 9c 03 00 00 00 00 01"));
        AstartePayloads.PurgeList decoded = AstartePayloads.decodePurgeList(hex(PURGE_EXAMPLE));
        assertThat(decoded.entries()).containsExactlyElementsOf(entries);
        assertThat(decoded.lengthHeader()).isEqualTo(0x46);
        assertThat(decoded.headerMatches()).isTrue();
        assertThat(AstartePayloads.decodePurgeList(hex("00 00 00 00")).entries()).isEmpty();
        // A zero-length header followed by the zlib stream of an empty text is an empty list too (spec §8).
        assertThat(AstartePayloads.decodePurgeList(hex("00 00 00 00 78 9c 03 00 00 00 00 01")).entries()).isEmpty();
        // Python's little-endian header still inflates (the server skips it) but is flagged.
        byte[] littleEndian = hex(PURGE_EXAMPLE);
        littleEndian[0] = 0x46;
        littleEndian[3] = 0;
        assertThat(AstartePayloads.decodePurgeList(littleEndian).headerMatches()).isFalse();
        assertThatThrownBy(() -> AstartePayloads.decodePurgeList(hex("00 00 00 05 01 02 03")))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AstartePayloads.decodePurgeList(new byte[] { 0, 0 }))
            .hasMessageContaining("header");
    }
}
