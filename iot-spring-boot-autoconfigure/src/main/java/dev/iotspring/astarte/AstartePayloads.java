package dev.iotspring.astarte;

import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBinaryReader;
import org.bson.BsonBinaryWriter;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.DecoderContext;
import org.bson.codecs.EncoderContext;
import org.bson.io.BasicOutputBuffer;
import org.jspecify.annotations.Nullable;

/**
 * Astarte MQTT v1 payloads: BSON documents {@code {"v": value}} with an optional {@code "t"} (UTC datetime),
 * and the checks Astarte applies to values before a value is encoded (the server disconnects a device that
 * sends anything else, so every rule is enforced here first).
 */
public final class AstartePayloads {

    /** Largest string or blob, in bytes, Astarte accepts as one value. */
    public static final int MAX_VALUE_BYTES = 65536;

    /** Most items of an array value. */
    public static final int MAX_ARRAY_ITEMS = 1024;

    /** Largest MQTT payload the reference broker lets through. */
    public static final int MAX_PAYLOAD_BYTES = 65535;

    private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();

    private static final EncoderContext ENCODER_CONTEXT = EncoderContext.builder().build();

    private AstartePayloads() {
    }

    /** A decoded payload: the value and the timestamp, if the sender gave one. */
    public record Decoded(BsonValue value, @Nullable Instant timestamp) {
    }

    /**
     * Checks a Java value against a mapping and converts it to BSON.
     * @throws AstarteValidationException naming interface, path and rule
     */
    public static BsonValue toBson(String interfaceName, String path, AstarteMappingType type, Object value) {
        if (value == null) {
            throw new AstarteValidationException(interfaceName, path, "a value of type " + type.jsonName()
                    + " is required (null is not a value)");
        }
        if (!type.isArray()) {
            return scalar(interfaceName, path, type, value, "");
        }
        List<?> items = asList(value);
        if (items == null) {
            throw new AstarteValidationException(interfaceName, path, "type " + type.jsonName()
                    + " needs a List or an array but got " + value.getClass().getName());
        }
        if (items.size() > MAX_ARRAY_ITEMS) {
            throw new AstarteValidationException(interfaceName, path,
                    "an array may have at most " + MAX_ARRAY_ITEMS + " items but has " + items.size());
        }
        BsonArray array = new BsonArray(new ArrayList<>(items.size()));
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            if (item == null) {
                throw new AstarteValidationException(interfaceName, path, "array item " + i + " is null");
            }
            array.add(scalar(interfaceName, path, type.itemType(), item, "array item " + i + ": "));
        }
        return array;
    }

    private static BsonValue scalar(String iface, String path, AstarteMappingType type, Object value, String where) {
        switch (type) {
            case DOUBLE -> {
                double d;
                if (value instanceof Double || value instanceof Float || value instanceof Integer) {
                    d = ((Number) value).doubleValue();
                }
                else {
                    throw wrongType(iface, path, where, type, "Double", value);
                }
                if (!Double.isFinite(d)) {
                    throw new AstarteValidationException(iface, path, where + "double must be finite but was " + d);
                }
                return new BsonDouble(d);
            }
            case INTEGER -> {
                if (!(value instanceof Integer i)) {
                    throw wrongType(iface, path, where, type, "Integer", value);
                }
                if (i == Integer.MIN_VALUE) {
                    // The server checks |v| <= 0x7FFFFFFF, so the most negative int is refused.
                    throw new AstarteValidationException(iface, path,
                            where + "integer must be between -2147483647 and 2147483647 but was " + i);
                }
                return new BsonInt32(i);
            }
            case LONGINTEGER -> {
                long l;
                if (value instanceof Long || value instanceof Integer) {
                    l = ((Number) value).longValue();
                }
                else {
                    throw wrongType(iface, path, where, type, "Long", value);
                }
                if (l == Long.MIN_VALUE) {
                    throw new AstarteValidationException(iface, path, where
                            + "longinteger must be between -9223372036854775807 and 9223372036854775807 but was " + l);
                }
                return new BsonInt64(l);
            }
            case BOOLEAN -> {
                if (!(value instanceof Boolean b)) {
                    throw wrongType(iface, path, where, type, "Boolean", value);
                }
                return BsonBoolean.valueOf(b);
            }
            case STRING -> {
                if (!(value instanceof String s)) {
                    throw wrongType(iface, path, where, type, "String", value);
                }
                int bytes = utf8Length(iface, path, where, s);
                if (bytes > MAX_VALUE_BYTES) {
                    throw new AstarteValidationException(iface, path, where + "a string may have at most "
                            + MAX_VALUE_BYTES + " UTF-8 bytes but has " + bytes);
                }
                return new BsonString(s);
            }
            case BINARYBLOB -> {
                if (!(value instanceof byte[] b)) {
                    throw wrongType(iface, path, where, type, "byte[]", value);
                }
                if (b.length > MAX_VALUE_BYTES) {
                    throw new AstarteValidationException(iface, path, where + "a binaryblob may have at most "
                            + MAX_VALUE_BYTES + " bytes but has " + b.length);
                }
                return new BsonBinary(b.clone());
            }
            case DATETIME -> {
                if (!(value instanceof Instant t)) {
                    throw wrongType(iface, path, where, type, "Instant", value);
                }
                return new BsonDateTime(t.toEpochMilli());
            }
            default -> throw new IllegalStateException("not a scalar type: " + type);
        }
    }

    private static AstarteValidationException wrongType(String iface, String path, String where,
            AstarteMappingType type, String expected, Object value) {
        return new AstarteValidationException(iface, path, where + "type " + type.jsonName() + " needs a " + expected
                + " but got " + value.getClass().getName());
    }

    private static int utf8Length(String iface, String path, String where, String s) {
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return encoder.encode(CharBuffer.wrap(s)).remaining();
        }
        catch (CharacterCodingException ex) {
            throw new AstarteValidationException(iface, path, where + "a string must be valid UTF-8 (it has an "
                    + "unpaired surrogate)");
        }
    }

    private static @Nullable List<?> asList(Object value) {
        if (value instanceof List<?> list) {
            return list;
        }
        if (value instanceof byte[]) {
            // A byte[] is a binaryblob, never a list of numbers.
            return null;
        }
        if (value.getClass().isArray()) {
            int length = Array.getLength(value);
            List<Object> list = new ArrayList<>(length);
            for (int i = 0; i < length; i++) {
                list.add(Array.get(value, i));
            }
            return list;
        }
        return null;
    }

    /** Encodes {@code {"v": value}} followed by {@code "t"} when a timestamp is given. */
    public static byte[] encode(BsonValue value, @Nullable Instant timestamp) {
        BsonDocument doc = new BsonDocument("v", value);
        if (timestamp != null) {
            doc.append("t", new BsonDateTime(timestamp.toEpochMilli()));
        }
        return bytes(doc);
    }

    /** Encodes an object aggregate: {@code {"v": {key: value, ...}}} plus the optional timestamp. */
    public static byte[] encodeObject(Map<String, BsonValue> values, @Nullable Instant timestamp) {
        BsonDocument inner = new BsonDocument();
        values.forEach(inner::append);
        return encode(inner, timestamp);
    }

    static byte[] bytes(BsonDocument doc) {
        // Most values are a few dozen bytes: the default 1 KiB buffer would be allocated and zeroed for nothing.
        BasicOutputBuffer buffer = new BasicOutputBuffer(64);
        try (BsonBinaryWriter writer = new BsonBinaryWriter(buffer)) {
            CODEC.encode(writer, doc, ENCODER_CONTEXT);
        }
        return buffer.toByteArray();
    }

    /**
     * Decodes a payload received from Astarte.
     * @throws IllegalArgumentException when it is not a BSON document with a {@code v} key
     */
    public static Decoded decode(byte[] payload) {
        BsonDocument doc;
        try (BsonBinaryReader reader = new BsonBinaryReader(ByteBuffer.wrap(payload))) {
            doc = CODEC.decode(reader, DecoderContext.builder().build());
        }
        catch (RuntimeException ex) {
            throw new IllegalArgumentException("not a BSON document: " + ex.getMessage(), ex);
        }
        BsonValue v = doc.get("v");
        if (v == null) {
            throw new IllegalArgumentException("BSON document has no \"v\" key");
        }
        BsonValue t = doc.get("t");
        Instant timestamp = (t != null && t.isDateTime()) ? Instant.ofEpochMilli(t.asDateTime().getValue()) : null;
        return new Decoded(v, timestamp);
    }

    /**
     * Converts a received BSON value to the Java type of the mapping (arrays as unmodifiable Lists). Tolerant
     * like the server: an int32 for longinteger or double, an integer for datetime.
     * @throws IllegalArgumentException when the BSON type does not fit the mapping
     */
    public static Object toJava(AstarteMappingType type, BsonValue value) {
        if (!type.isArray()) {
            return scalarToJava(type, value);
        }
        if (!value.isArray()) {
            throw new IllegalArgumentException("expected a BSON array for " + type.jsonName() + " but got "
                    + value.getBsonType());
        }
        List<Object> items = new ArrayList<>();
        for (BsonValue item : value.asArray()) {
            items.add(scalarToJava(type.itemType(), item));
        }
        return Collections.unmodifiableList(items);
    }

    private static Object scalarToJava(AstarteMappingType type, BsonValue value) {
        Object result = switch (type) {
            case DOUBLE -> value.isNumber() ? value.asNumber().doubleValue() : null;
            case INTEGER -> value.isInt32() ? value.asInt32().getValue() : null;
            case LONGINTEGER -> (value.isInt64() || value.isInt32()) ? value.asNumber().longValue() : null;
            case BOOLEAN -> value.isBoolean() ? value.asBoolean().getValue() : null;
            case STRING -> value.isString() ? value.asString().getValue() : null;
            case BINARYBLOB -> value.isBinary() ? value.asBinary().getData() : null;
            case DATETIME -> value.isDateTime() ? Instant.ofEpochMilli(value.asDateTime().getValue())
                    : (value.isInt64() || value.isInt32()) ? Instant.ofEpochMilli(value.asNumber().longValue()) : null;
            default -> null;
        };
        if (result == null) {
            throw new IllegalArgumentException("BSON " + value.getBsonType() + " does not fit type " + type.jsonName());
        }
        return result;
    }

    /** Converts a received object aggregate to a map by key, in the order of the document. */
    static Map<String, BsonValue> objectEntries(BsonValue value) {
        if (!value.isDocument()) {
            throw new IllegalArgumentException("expected a BSON document for an object aggregate but got "
                    + value.getBsonType());
        }
        return new LinkedHashMap<>(value.asDocument());
    }
}
