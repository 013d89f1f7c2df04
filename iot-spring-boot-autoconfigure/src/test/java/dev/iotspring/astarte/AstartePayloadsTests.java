package dev.iotspring.astarte;

import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonValue;
import org.junit.jupiter.api.Test;

import static dev.iotspring.astarte.AstarteMappingType.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Golden BSON bytes of spec §9 (the first three equal Astarte's documentation hexdumps). */
class AstartePayloadsTests {

    private static final Instant T = Instant.ofEpochMilli(1537449422890L);

    private static String hex(byte[] bytes) {
        return HexFormat.ofDelimiter(" ").formatHex(bytes);
    }

    private static String individual(AstarteMappingType type, Object value) {
        return hex(AstartePayloads.encode(AstartePayloads.toBson("org.example.I", "/p", type, value), null));
    }

    @Test
    void scalarsHaveTheDocumentedBytes() {
        assertThat(individual(INTEGER, 10)).isEqualTo("0c 00 00 00 10 76 00 0a 00 00 00 00");
        assertThat(individual(BOOLEAN, true)).isEqualTo("09 00 00 00 08 76 00 01 00");
        assertThat(individual(DOUBLE, 16.73)).isEqualTo("10 00 00 00 01 76 00 7b 14 ae 47 e1 ba 30 40 00");
        assertThat(individual(LONGINTEGER, 5L)).isEqualTo("10 00 00 00 12 76 00 05 00 00 00 00 00 00 00 00");
        assertThat(individual(STRING, "hi")).isEqualTo("0f 00 00 00 02 76 00 03 00 00 00 68 69 00 00");
        assertThat(individual(BINARYBLOB, new byte[] { 1, 2 }))
            .isEqualTo("0f 00 00 00 05 76 00 02 00 00 00 00 01 02 00");
        assertThat(individual(DATETIME, T)).isEqualTo("10 00 00 00 09 76 00 2a 70 20 f7 65 01 00 00 00");
    }

    @Test
    void arraysHaveIndexKeysAndTheItemTypeCodes() {
        assertThat(individual(INTEGERARRAY, List.of(1, 2)))
            .isEqualTo("1b 00 00 00 04 76 00 13 00 00 00 10 30 00 01 00 00 00 10 31 00 02 00 00 00 00 00");
        assertThat(individual(INTEGERARRAY, new int[] { 1, 2 })).isEqualTo(individual(INTEGERARRAY, List.of(1, 2)));
        assertThat(individual(DOUBLEARRAY, new double[] { 16.73, 1.5 })).isEqualTo("23 00 00 00 04 76 00 1b 00 00 00 "
                + "01 30 00 7b 14 ae 47 e1 ba 30 40 01 31 00 00 00 00 00 00 00 f8 3f 00 00");
        assertThat(individual(BOOLEANARRAY, List.of(true, false)))
            .isEqualTo("15 00 00 00 04 76 00 0d 00 00 00 08 30 00 01 08 31 00 00 00 00");
        assertThat(individual(LONGINTEGERARRAY, List.of(5L, -1L))).isEqualTo("23 00 00 00 04 76 00 1b 00 00 00 "
                + "12 30 00 05 00 00 00 00 00 00 00 12 31 00 ff ff ff ff ff ff ff ff 00 00");
        assertThat(individual(STRINGARRAY, List.of("hi", "a"))).isEqualTo("20 00 00 00 04 76 00 18 00 00 00 "
                + "02 30 00 03 00 00 00 68 69 00 02 31 00 02 00 00 00 61 00 00 00");
        assertThat(individual(BINARYBLOBARRAY, List.of((Object) new byte[] { 1, 2 })))
            .isEqualTo("17 00 00 00 04 76 00 0f 00 00 00 05 30 00 02 00 00 00 00 01 02 00 00");
        assertThat(individual(DATETIMEARRAY, List.of(T)))
            .isEqualTo("18 00 00 00 04 76 00 10 00 00 00 09 30 00 2a 70 20 f7 65 01 00 00 00 00");
        assertThat(individual(STRINGARRAY, List.of())).isEqualTo("0d 00 00 00 04 76 00 05 00 00 00 00 00");
    }

    @Test
    void timestampIsABsonDatetimeAfterTheValue() {
        byte[] bytes = AstartePayloads.encode(AstartePayloads.toBson("i", "/p", DOUBLE, 16.73), T);
        assertThat(hex(bytes)).isEqualTo("1b 00 00 00 01 76 00 7b 14 ae 47 e1 ba 30 40 09 74 00 2a 70 20 f7 65 01 00 00 00");
        AstartePayloads.Decoded decoded = AstartePayloads.decode(bytes);
        assertThat(decoded.timestamp()).isEqualTo(T);
        assertThat(AstartePayloads.toJava(DOUBLE, decoded.value())).isEqualTo(16.73);
    }

    @Test
    void objectAggregateIsAnEmbeddedDocumentKeyedByLastSegment() {
        Map<String, BsonValue> values = new LinkedHashMap<>();
        values.put("hum", AstartePayloads.toBson("i", "/r", DOUBLE, 67.112));
        values.put("temp", AstartePayloads.toBson("i", "/r", DOUBLE, 25.3123));
        assertThat(hex(AstartePayloads.encodeObject(values, null))).isEqualTo("28 00 00 00 03 76 00 20 00 00 00 "
                + "01 68 75 6d 00 ba 49 0c 02 2b c7 50 40 01 74 65 6d 70 00 72 8a 8e e4 f2 4f 39 40 00 00");
    }

    @Test
    void receivedValuesDecodeToTheMappingsJavaTypes() {
        for (Object[] c : new Object[][] { { DOUBLE, 2.5 }, { INTEGER, 7 }, { LONGINTEGER, 1L << 40 },
                { BOOLEAN, false }, { STRING, "ü" }, { DATETIME, T }, { STRINGARRAY, List.of("a", "b") },
                { LONGINTEGERARRAY, List.of(1L, 2L) } }) {
            AstarteMappingType type = (AstarteMappingType) c[0];
            byte[] bytes = AstartePayloads.encode(AstartePayloads.toBson("i", "/p", type, c[1]), null);
            assertThat(AstartePayloads.toJava(type, AstartePayloads.decode(bytes).value())).as(type.name())
                .isEqualTo(c[1]);
        }
        byte[] blob = AstartePayloads.encode(AstartePayloads.toBson("i", "/p", BINARYBLOB, new byte[] { 9 }), null);
        assertThat((byte[]) AstartePayloads.toJava(BINARYBLOB, AstartePayloads.decode(blob).value()))
            .containsExactly(9);
    }

    @Test
    void receivingIsTolerantLikeTheServer() {
        // Astarte may send a small longinteger as int32, and accepts int32 for double.
        assertThat(AstartePayloads.toJava(LONGINTEGER, new BsonInt32(3))).isEqualTo(3L);
        assertThat(AstartePayloads.toJava(DOUBLE, new BsonInt32(3))).isEqualTo(3.0);
        assertThat(AstartePayloads.toJava(DATETIME, new BsonInt64(T.toEpochMilli()))).isEqualTo(T);
        assertThatIllegalArgumentException().isThrownBy(() -> AstartePayloads.toJava(INTEGER, new BsonInt64(3)))
            .withMessageContaining("INT64").withMessageContaining("integer");
    }

    @Test
    void undecodablePayloadsAreRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> AstartePayloads.decode(new byte[] { 1, 2, 3 }))
            .withMessageContaining("not a BSON document");
        byte[] noV = HexFormat.of().parseHex("0c00000010770000000000" + "00");
        assertThatIllegalArgumentException().isThrownBy(() -> AstartePayloads.decode(noV))
            .withMessageContaining("\"v\"");
    }

    @Test
    void valuesAstarteWouldRefuseAreRejectedNamingInterfacePathAndRule() {
        assertThatThrownBy(() -> AstartePayloads.toBson("org.example.I", "/a/b", INTEGER, Integer.MIN_VALUE))
            .isInstanceOf(AstarteValidationException.class)
            .hasMessage("Astarte interface org.example.I, path /a/b: integer must be between -2147483647 and "
                    + "2147483647 but was -2147483648");
        assertThatThrownBy(() -> AstartePayloads.toBson("i", "/p", LONGINTEGER, Long.MIN_VALUE))
            .hasMessageContaining("longinteger must be between");
        assertThatThrownBy(() -> AstartePayloads.toBson("i", "/p", DOUBLE, Double.NaN))
            .hasMessageContaining("double must be finite");
        assertThatThrownBy(() -> AstartePayloads.toBson("i", "/p", DOUBLE, Double.POSITIVE_INFINITY))
            .hasMessageContaining("double must be finite");
        assertThatThrownBy(() -> AstartePayloads.toBson("i", "/p", INTEGER, 5L))
            .hasMessageContaining("type integer needs a Integer but got java.lang.Long");
        assertThatThrownBy(() -> AstartePayloads.toBson("i", "/p", STRING, "x".repeat(65537)))
            .hasMessageContaining("at most 65536 UTF-8 bytes but has 65537");
        assertThat(AstartePayloads.toBson("i", "/p", STRING, "x".repeat(65536)).isString()).isTrue();
        assertThatThrownBy(() -> AstartePayloads.toBson("i", "/p", STRING, "\uD800"))
            .hasMessageContaining("valid UTF-8");
        assertThatThrownBy(() -> AstartePayloads.toBson("i", "/p", BINARYBLOB, new byte[65537]))
            .hasMessageContaining("at most 65536 bytes");
        assertThatThrownBy(() -> AstartePayloads.toBson("i", "/p", INTEGERARRAY, new int[1025]))
            .hasMessageContaining("at most 1024 items but has 1025");
        assertThatThrownBy(() -> AstartePayloads.toBson("i", "/p", INTEGERARRAY, List.of(1, Integer.MIN_VALUE)))
            .hasMessageContaining("array item 1: integer must be between");
        assertThatThrownBy(() -> AstartePayloads.toBson("i", "/p", BINARYBLOBARRAY, new byte[] { 1 }))
            .hasMessageContaining("needs a List or an array");
        assertThatThrownBy(() -> AstartePayloads.toBson("i", "/p", DATETIME, null))
            .hasMessageContaining("null is not a value");
        // Widening Astarte accepts: an int for longinteger and double.
        assertThat(AstartePayloads.toBson("i", "/p", LONGINTEGER, 5)).isEqualTo(new BsonInt64(5));
    }
}
