package dev.iotspring.test.astarte;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.jspecify.annotations.Nullable;

/**
 * The Astarte MQTT v1 payload formats, as the server reads and writes them: BSON {@code {"v": …, "t": …}}
 * documents (spec §9) and purge-properties lists (spec §8: 4-byte big-endian length of the UTF-8 text, then a
 * zlib stream). Java types: Double, Integer, Long, Boolean, String, byte[], Instant, List (arrays) and Map
 * (object aggregates).
 */
public final class AstartePayloads {

    /** The server's inflate limit for purge lists ({@code safe_inflate}). */
    static final int MAX_INFLATED = 10_485_760;

    private AstartePayloads() {
    }

    /** BSON {@code {"v": value}} plus {@code "t"} (UTC datetime) when {@code timestamp} is given. */
    public static byte[] bson(Object value, @Nullable Instant timestamp) {
        BsonDocument document = new BsonDocument("v", toBson(value));
        if (timestamp != null) {
            document.put("t", new BsonDateTime(timestamp.toEpochMilli()));
        }
        RawBsonDocument raw = new RawBsonDocument(document, new BsonDocumentCodec());
        ByteBuffer buffer = raw.getByteBuffer().asNIO();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /**
     * Decodes a data payload.
     * @throws IllegalArgumentException when it is not a BSON document with a {@code v} (or a legacy object
     * without the wrapper), or {@code t} is not a datetime
     */
    public static Decoded decode(byte[] payload) {
        BsonDocument document;
        try {
            document = new RawBsonDocument(payload).decode(new BsonDocumentCodec());
        }
        catch (RuntimeException ex) {
            throw new IllegalArgumentException("Not a BSON document: " + ex.getMessage(), ex);
        }
        Instant timestamp = null;
        BsonValue t = document.get("t");
        if (t != null) {
            if (!t.isDateTime()) {
                throw new IllegalArgumentException("\"t\" is a BSON " + t.getBsonType() + ", not a datetime");
            }
            timestamp = Instant.ofEpochMilli(t.asDateTime().getValue());
        }
        BsonValue v = document.get("v");
        if (v == null) {
            // Legacy object aggregate without the wrapper; a document without any key is not one.
            if (document.isEmpty()) {
                throw new IllegalArgumentException("BSON document without \"v\"");
            }
            return new Decoded(fromBson(document), null, typeOf(document));
        }
        return new Decoded(fromBson(v), timestamp, typeOf(v));
    }

    /** The purge payload of {@code entries} ({@code <interface><path>}), joined by {@code ;}. */
    public static byte[] purgeList(Collection<String> entries) {
        byte[] text = String.join(";", entries).getBytes(StandardCharsets.UTF_8);
        Deflater deflater = new Deflater();
        deflater.setInput(text);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(4).putInt(text.length).array());
        byte[] buffer = new byte[1024];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return out.toByteArray();
    }

    /**
     * Reads a purge payload as the server does: skips the 4-byte header and inflates the rest.
     * @throws IllegalArgumentException when it is shorter than the header, not zlib, or inflates past 10 MiB
     */
    public static PurgeList decodePurgeList(byte[] payload) {
        if (payload.length < 4) {
            throw new IllegalArgumentException("Purge list of " + payload.length + " bytes has no 4-byte header");
        }
        long header = Integer.toUnsignedLong(ByteBuffer.wrap(payload, 0, 4).getInt());
        if (payload.length == 4) {
            return new PurgeList(header, "", Set.of());
        }
        Inflater inflater = new Inflater();
        inflater.setInput(payload, 4, payload.length - 4);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                // An empty text inflates to nothing and finishes at once: only an unfinished stream is truncated.
                if (n == 0 && !inflater.finished() && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IllegalArgumentException("Purge list: truncated zlib stream");
                }
                out.write(buffer, 0, n);
                if (out.size() > MAX_INFLATED) {
                    throw new IllegalArgumentException("Purge list inflates past " + MAX_INFLATED + " bytes");
                }
            }
        }
        catch (DataFormatException ex) {
            throw new IllegalArgumentException("Purge list is not zlib: " + ex.getMessage(), ex);
        }
        finally {
            inflater.end();
        }
        String text = out.toString(StandardCharsets.UTF_8);
        Set<String> entries = text.isEmpty() ? Set.of()
                : new LinkedHashSet<>(Arrays.asList(text.split(";", -1)));
        return new PurgeList(header, text, entries);
    }

    static BsonValue toBson(Object value) {
        if (value instanceof Double d) {
            return new BsonDouble(d);
        }
        if (value instanceof Integer i) {
            return new BsonInt32(i);
        }
        if (value instanceof Long l) {
            return new BsonInt64(l);
        }
        if (value instanceof Boolean b) {
            return BsonBoolean.valueOf(b);
        }
        if (value instanceof String s) {
            return new BsonString(s);
        }
        if (value instanceof byte[] bytes) {
            return new BsonBinary(bytes);
        }
        if (value instanceof Instant instant) {
            return new BsonDateTime(instant.toEpochMilli());
        }
        if (value instanceof Collection<?> items) {
            BsonArray array = new BsonArray();
            items.forEach((item) -> array.add(toBson(item)));
            return array;
        }
        if (value instanceof Object[] items) {
            return toBson(Arrays.asList(items));
        }
        if (value instanceof Map<?, ?> map) {
            BsonDocument document = new BsonDocument();
            map.forEach((k, v) -> document.put(String.valueOf(k), toBson(v)));
            return document;
        }
        throw new IllegalArgumentException("No Astarte type for " + value.getClass().getName());
    }

    static Object fromBson(BsonValue value) {
        return switch (value.getBsonType()) {
            case DOUBLE -> value.asDouble().getValue();
            case INT32 -> value.asInt32().getValue();
            case INT64 -> value.asInt64().getValue();
            case BOOLEAN -> value.asBoolean().getValue();
            case STRING -> value.asString().getValue();
            case BINARY -> value.asBinary().getData();
            case DATE_TIME -> Instant.ofEpochMilli(value.asDateTime().getValue());
            case ARRAY -> {
                List<Object> items = new ArrayList<>();
                value.asArray().forEach((item) -> items.add(fromBson(item)));
                yield List.copyOf(items);
            }
            case DOCUMENT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                value.asDocument().forEach((k, v) -> map.put(k, fromBson(v)));
                yield Collections.unmodifiableMap(map);
            }
            default -> throw new IllegalArgumentException("BSON " + value.getBsonType() + " is no Astarte type");
        };
    }

    private static String typeOf(BsonValue value) {
        return value.getBsonType().name();
    }

    /**
     * A decoded data payload.
     * @param value the {@code v} value as a Java object (Map for an object aggregate)
     * @param timestamp {@code t}, or null when absent
     * @param bsonType the BSON type of {@code v} (e.g. {@code INT32}, {@code INT64}, {@code DOCUMENT})
     */
    public record Decoded(Object value, @Nullable Instant timestamp, String bsonType) {
    }

    /**
     * A decoded purge list.
     * @param lengthHeader the first 4 bytes read big-endian (Astarte itself ignores them; a correct client
     * writes the UTF-8 length of {@code text})
     * @param text the inflated text
     * @param entries {@code <interface><path>} entries, in order
     */
    public record PurgeList(long lengthHeader, String text, Set<String> entries) {

        /** Whether the header is the big-endian UTF-8 byte length of the text, as the spec asks. */
        public boolean headerMatches() {
            return this.lengthHeader == this.text.getBytes(StandardCharsets.UTF_8).length;
        }
    }
}
