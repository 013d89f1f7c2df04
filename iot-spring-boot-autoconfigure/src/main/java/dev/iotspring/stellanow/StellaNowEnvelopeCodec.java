package dev.iotspring.stellanow;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonEncoding;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.io.JsonStringEncoder;
import tools.jackson.core.io.SerializedString;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

/**
 * Encodes {@link StellaNowMessage}s into the envelope every StellaNow SDK sends: a Kafka-style key and value,
 * compact JSON, fields in the order the ingestor's other clients use, the payload embedded as a JSON
 * <em>string</em>:
 *
 * <pre>
 * {"key":{"organizationId","projectId","entityId","entityTypeDefinitionId"},
 *  "value":{"metadata":{"messageId","messageOriginDateUTC","eventTypeDefinitionId",
 *                       "entityTypeIds":[{"entityTypeDefinitionId","entityId"},...]},
 *           "payload":"{...}"}}
 * </pre>
 *
 * Timestamps (the origin date and {@link Instant}/{@link OffsetDateTime}/{@link ZonedDateTime} payload
 * fields) are written in UTC with exactly six fractional digits and a {@code Z}. Thread-safe.
 *
 * <p>One job, the envelope's bytes, at about 500 lines because the envelope is written on the caller's thread for
 * every send: the constant parts pre-encoded and the strings escaped into one buffer (with Jackson's escapes), the
 * generator-based writer kept as the reference for the one input the fast path leaves to it (a lone surrogate),
 * timestamps written digit by digit.
 */
public final class StellaNowEnvelopeCodec {

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter
        .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
        .withZone(ZoneOffset.UTC);

    /** Length of {@code 2025-06-01T09:15:30.123456Z}. */
    private static final int TIMESTAMP_LENGTH = 27;

    /** First second of the year 10000: from there on the year has five digits. */
    private static final long LAST_FOUR_DIGIT_YEAR = 253402300800L;

    private static final SerializedString KEY = new SerializedString("key");

    private static final SerializedString ORGANIZATION_ID = new SerializedString("organizationId");

    private static final SerializedString PROJECT_ID = new SerializedString("projectId");

    private static final SerializedString ENTITY_ID = new SerializedString("entityId");

    private static final SerializedString ENTITY_TYPE_DEFINITION_ID = new SerializedString("entityTypeDefinitionId");

    private static final SerializedString VALUE = new SerializedString("value");

    private static final SerializedString METADATA = new SerializedString("metadata");

    private static final SerializedString MESSAGE_ID = new SerializedString("messageId");

    private static final SerializedString MESSAGE_ORIGIN_DATE = new SerializedString("messageOriginDateUTC");

    private static final SerializedString EVENT_TYPE_DEFINITION_ID = new SerializedString("eventTypeDefinitionId");

    private static final SerializedString ENTITY_TYPE_IDS = new SerializedString("entityTypeIds");

    private static final SerializedString PAYLOAD = new SerializedString("payload");

    // The envelope between its variable strings, as UTF-8 (see encode).
    private static final byte[] KEY_ENTITY_TYPE = ascii("\",\"entityTypeDefinitionId\":\"");

    private static final byte[] MESSAGE_ID_START = ascii("\"},\"value\":{\"metadata\":{\"messageId\":\"");

    private static final byte[] ORIGIN_DATE_START = ascii("\",\"messageOriginDateUTC\":\"");

    private static final byte[] EVENT_TYPE_START = ascii("\",\"eventTypeDefinitionId\":\"");

    private static final byte[] ENTITIES_START = ascii("\",\"entityTypeIds\":[");

    private static final byte[] ENTITY_START = ascii("{\"entityTypeDefinitionId\":\"");

    private static final byte[] NEXT_ENTITY_START = ascii(",{\"entityTypeDefinitionId\":\"");

    private static final byte[] ENTITY_ID_START = ascii("\",\"entityId\":\"");

    private static final byte[] ENTITY_END = ascii("\"}");

    private static final byte[] PAYLOAD_START = ascii("]},\"payload\":\"");

    private static final byte[] ENVELOPE_END = ascii("\"}}");

    /**
     * What Jackson writes for each ASCII character it escapes (quote, backslash, control characters), taken from its
     * own escaper; null for the characters it writes as they are.
     */
    private static final byte[][] ASCII_ESCAPES = new byte[128][];

    /**
     * The same as a table of bytes, for the loop over every byte: 0 written as it is, the letter after the
     * backslash of a two-byte escape ({@code \"}, {@code \n}), -1 for a six-byte one (backslash, u, four hex digits).
     */
    private static final byte[] ESCAPE_LETTERS = new byte[128];

    static {
        for (char c = 0; c < 128; c++) {
            byte[] escaped = JsonStringEncoder.getInstance().quoteAsUTF8(String.valueOf(c));
            if (escaped.length != 1 || escaped[0] != c) {
                ASCII_ESCAPES[c] = escaped;
                ESCAPE_LETTERS[c] = (escaped.length == 2 && escaped[0] == '\\') ? escaped[1] : -1;
            }
        }
    }

    /** Most distinct event and entity type names kept encoded; they are a handful defined in the console. */
    private static final int TYPE_NAME_CACHE_SIZE = 1024;

    private final String organizationId;

    private final String projectId;

    private final String topic;

    /** {@code {"key":{"organizationId":"…","projectId":"…","entityId":"}: the same for every message. */
    private final byte[] envelopeStart;

    /** Event and entity type names, JSON-escaped UTF-8 (null: not plain, see {@link #quoted}). */
    private final ConcurrentHashMap<String, byte[]> typeNames = new ConcurrentHashMap<>();

    /** Writes the envelope: plain and compact, independent of the application's mapper settings. */
    private final JsonMapper envelopeMapper = JsonMapper.builder().build();

    private final JsonMapper payloadMapper;

    private final TypedEvents typedEvents;

    /**
     * @param applicationMapper the application's JSON mapper; payload objects are serialized with it (plus
     *     UTC microsecond timestamps, no indentation)
     * @param organizationId the organization (topic {@code in/{organizationId}}, envelope key)
     * @param projectId the project (envelope key)
     */
    public StellaNowEnvelopeCodec(JsonMapper applicationMapper, UUID organizationId, UUID projectId) {
        this.organizationId = organizationId.toString();
        this.projectId = projectId.toString();
        this.topic = "in/" + this.organizationId;
        this.envelopeStart = ascii("{\"key\":{\"organizationId\":\"" + this.organizationId
                + "\",\"projectId\":\"" + this.projectId + "\",\"entityId\":\"");
        this.payloadMapper = applicationMapper.rebuild()
            .addModule(timestampModule())
            .disable(SerializationFeature.INDENT_OUTPUT)
            .build();
        this.typedEvents = new TypedEvents(this.payloadMapper);
    }

    /** The one topic every event goes to: {@code in/{organizationId}}. */
    public String topic() {
        return this.topic;
    }

    /** Formats an instant as {@code yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'} in UTC (truncated to microseconds). */
    public static String formatTimestamp(Instant instant) {
        if (!isFourDigitYear(instant)) {
            return TIMESTAMP.format(instant);
        }
        byte[] text = new byte[TIMESTAMP_LENGTH];
        writeTimestamp(text, 0, instant);
        return new String(text, StandardCharsets.ISO_8859_1);
    }

    private static boolean isFourDigitYear(Instant instant) {
        long seconds = instant.getEpochSecond();
        return seconds >= 0 && seconds < LAST_FOUR_DIGIT_YEAR;
    }

    /**
     * Writes a 1970-9999 instant as the pattern's {@value #TIMESTAMP_LENGTH} ASCII characters at {@code at}: by
     * hand, as DateTimeFormatter's pattern walk showed up in send profiles.
     */
    private static void writeTimestamp(byte[] target, int at, Instant instant) {
        long seconds = instant.getEpochSecond();
        LocalDate date = LocalDate.ofEpochDay(seconds / 86_400);
        int secondOfDay = (int) (seconds % 86_400);
        digits(target, at, date.getYear(), 4);
        target[at + 4] = '-';
        digits(target, at + 5, date.getMonthValue(), 2);
        target[at + 7] = '-';
        digits(target, at + 8, date.getDayOfMonth(), 2);
        target[at + 10] = 'T';
        digits(target, at + 11, secondOfDay / 3600, 2);
        target[at + 13] = ':';
        digits(target, at + 14, (secondOfDay / 60) % 60, 2);
        target[at + 16] = ':';
        digits(target, at + 17, secondOfDay % 60, 2);
        target[at + 19] = '.';
        digits(target, at + 20, instant.getNano() / 1000, 6);
        target[at + 26] = 'Z';
    }

    /** Writes {@code value} as {@code width} decimal digits, zero-padded, at {@code at}. */
    private static void digits(byte[] target, int at, int value, int width) {
        int v = value;
        for (int i = at + width - 1; i >= at; i--) {
            target[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
    }

    /**
     * Turns an object of a {@link StellaNowEvent} type into a message.
     * @throws StellaNowValidationException when the type is not annotated or an entity id is missing
     */
    public StellaNowMessage toMessage(Object event) {
        return this.typedEvents.toMessage(event);
    }

    /**
     * The message's envelope as UTF-8 JSON bytes.
     * @throws StellaNowValidationException when the payload cannot be serialized or a raw payload is not a JSON
     *     object
     */
    public byte[] encode(StellaNowMessage message) {
        Objects.requireNonNull(message, "message");
        String payload = payloadJson(message);
        byte[] envelope = writeEnvelope(message, payload);
        // A lone surrogate (not valid UTF-16) is the one string the escaper refuses; the generator escapes it.
        return (envelope != null) ? envelope : writeEnvelopeWithGenerator(message, payload);
    }

    /**
     * Writes the envelope as bytes: the constant parts pre-encoded, each string escaped as Jackson's generator
     * escapes it (its own escapes, {@link #ASCII_ESCAPES}, for ASCII text; {@link JsonStringEncoder} for any other),
     * into one buffer sized for the message.
     * This runs on the caller's thread for every send: a generator per envelope (buffers from the recycler pool,
     * write contexts) and a {@code ByteArrayOutputStream} were half the encoding time in send profiles.
     * @return the bytes, or null when a string holds a lone surrogate
     */
    private byte @Nullable [] writeEnvelope(StellaNowMessage message, String payload) {
        List<EntityRef> entities = message.entities();
        EntityRef key = entities.get(0);
        // Room for the payload with every byte escaped in two (the buffer never grows for ASCII payloads).
        Utf8Buffer out = new Utf8Buffer(this.envelopeStart.length + 2 * payload.length() + 200
                + 128 * entities.size());
        try {
            out.append(this.envelopeStart).appendQuoted(key.entityId())
                .append(KEY_ENTITY_TYPE).append(typeName(key.entityTypeDefinitionId()))
                .append(MESSAGE_ID_START).appendQuoted(message.messageId())
                .append(ORIGIN_DATE_START).appendTimestamp(message.originDate())
                .append(EVENT_TYPE_START).append(typeName(message.eventTypeDefinitionId()))
                .append(ENTITIES_START);
            for (int i = 0; i < entities.size(); i++) {
                EntityRef entity = entities.get(i);
                out.append((i == 0) ? ENTITY_START : NEXT_ENTITY_START)
                    .append(typeName(entity.entityTypeDefinitionId()))
                    .append(ENTITY_ID_START).appendQuoted(entity.entityId())
                    .append(ENTITY_END);
            }
            out.append(PAYLOAD_START).appendQuoted(payload).append(ENVELOPE_END);
        }
        catch (LoneSurrogate ex) {
            return null;
        }
        return out.toByteArray();
    }

    /** An event or entity type name, escaped once and kept (they repeat in every message). */
    private byte @Nullable [] typeName(String name) {
        byte[] bytes = this.typeNames.get(name);
        if (bytes == null) {
            bytes = quoted(name);
            if (bytes != null && this.typeNames.size() < TYPE_NAME_CACHE_SIZE) {
                this.typeNames.putIfAbsent(name, bytes);
            }
        }
        return bytes;
    }

    /** The string's JSON escape in UTF-8 without quotes, as the generator writes it; null for a lone surrogate. */
    static byte @Nullable [] quoted(String value) {
        try {
            return JsonStringEncoder.getInstance().quoteAsUTF8(value);
        }
        catch (IllegalArgumentException ex) {
            return null;
        }
    }

    /** The envelope through Jackson's generator: the reference the byte writer matches, kept for lone surrogates. */
    private byte[] writeEnvelopeWithGenerator(StellaNowMessage message, String payload) {
        EntityRef key = message.entities().get(0);
        ByteArrayOutputStream out = new ByteArrayOutputStream(320 + payload.length() + payload.length() / 8);
        try (JsonGenerator json = this.envelopeMapper.createGenerator(out, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeName(KEY);
            json.writeStartObject();
            json.writeName(ORGANIZATION_ID);
            json.writeString(this.organizationId);
            json.writeName(PROJECT_ID);
            json.writeString(this.projectId);
            json.writeName(ENTITY_ID);
            json.writeString(key.entityId());
            json.writeName(ENTITY_TYPE_DEFINITION_ID);
            json.writeString(key.entityTypeDefinitionId());
            json.writeEndObject();
            json.writeName(VALUE);
            json.writeStartObject();
            json.writeName(METADATA);
            json.writeStartObject();
            json.writeName(MESSAGE_ID);
            json.writeString(message.messageId());
            json.writeName(MESSAGE_ORIGIN_DATE);
            json.writeString(formatTimestamp(message.originDate()));
            json.writeName(EVENT_TYPE_DEFINITION_ID);
            json.writeString(message.eventTypeDefinitionId());
            json.writeName(ENTITY_TYPE_IDS);
            json.writeStartArray();
            for (EntityRef entity : message.entities()) {
                json.writeStartObject();
                json.writeName(ENTITY_TYPE_DEFINITION_ID);
                json.writeString(entity.entityTypeDefinitionId());
                json.writeName(ENTITY_ID);
                json.writeString(entity.entityId());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
            json.writeName(PAYLOAD);
            json.writeString(payload);
            json.writeEndObject();
            json.writeEndObject();
        }
        return out.toByteArray();
    }

    /** The payload as the JSON text that goes into {@code value.payload}. */
    String payloadJson(StellaNowMessage message) {
        String raw = message.rawPayload();
        if (raw != null) {
            JsonNode node;
            try {
                node = this.envelopeMapper.readTree(raw);
            }
            catch (JacksonException ex) {
                throw new StellaNowValidationException("rawPayload", "of message " + message.messageId()
                        + " is not valid JSON: " + ex.getOriginalMessage(), ex);
            }
            if (node == null || !node.isObject()) {
                throw new StellaNowValidationException("rawPayload",
                        "of message " + message.messageId() + " must be a JSON object");
            }
            return raw;
        }
        Object payload = message.payload();
        if (payload == null) {
            return "{}";
        }
        try {
            return this.payloadMapper.writeValueAsString(payload);
        }
        catch (JacksonException ex) {
            throw new StellaNowValidationException("payload", "of message " + message.messageId() + " ("
                    + payload.getClass().getName() + ") cannot be serialized as JSON: " + ex.getOriginalMessage(), ex);
        }
    }

    /** Decodes the bytes of an envelope, for logs and tests; the payload stays a string. */
    public JsonNode decode(byte[] envelope) {
        return this.envelopeMapper.readTree(new String(envelope, StandardCharsets.UTF_8));
    }

    private static SimpleModule timestampModule() {
        SimpleModule module = new SimpleModule("stellanow-timestamps");
        module.addSerializer(Instant.class, new TimestampSerializer<>(Instant.class, (i) -> i));
        module.addSerializer(OffsetDateTime.class,
                new TimestampSerializer<>(OffsetDateTime.class, OffsetDateTime::toInstant));
        module.addSerializer(ZonedDateTime.class,
                new TimestampSerializer<>(ZonedDateTime.class, ZonedDateTime::toInstant));
        return module;
    }

    private static final class TimestampSerializer<T> extends ValueSerializer<T> {

        private final Class<T> type;

        private final java.util.function.Function<T, Instant> toInstant;

        TimestampSerializer(Class<T> type, java.util.function.Function<T, Instant> toInstant) {
            this.type = type;
            this.toInstant = toInstant;
        }

        @Override
        public Class<?> handledType() {
            return this.type;
        }

        @Override
        public void serialize(T value, JsonGenerator generator, SerializationContext context) {
            generator.writeString(formatTimestamp(this.toInstant.apply(value)));
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** A string the escaper refused (a lone surrogate): the envelope is written by the generator instead. */
    private static final class LoneSurrogate extends RuntimeException {

        private static final LoneSurrogate INSTANCE = new LoneSurrogate();

        private LoneSurrogate() {
            super(null, null, false, false);
        }
    }

    /** The envelope being written: a byte array that grows when needed. */
    private static final class Utf8Buffer {

        private byte[] bytes;

        private int length;

        Utf8Buffer(int capacity) {
            this.bytes = new byte[capacity];
        }

        /** @throws LoneSurrogate when {@code part} is null (a string the escaper refused) */
        Utf8Buffer append(byte @Nullable [] part) {
            if (part == null) {
                throw LoneSurrogate.INSTANCE;
            }
            ensure(part.length);
            System.arraycopy(part, 0, this.bytes, this.length, part.length);
            this.length += part.length;
            return this;
        }

        /**
         * Appends a string's JSON escape. ASCII text (ids, UUIDs, type names, JSON from the payload mapper) is
         * escaped here char by char with Jackson's escapes, read straight from the string (no UTF-8 copy of it
         * first: the payload's was a third of this method's time); any other goes through {@link #quoted}.
         * @throws LoneSurrogate for a lone surrogate, which Jackson's escaper refuses
         */
        Utf8Buffer appendQuoted(String value) {
            int n = value.length();
            // Room for the usual escapes (two bytes each); a six-byte one makes its own room.
            ensure(2 * n);
            int start = this.length;
            int at = start;
            byte[] out = this.bytes;
            for (int i = 0; i < n; i++) {
                char c = value.charAt(i);
                if (c >= 128) {
                    // Not ASCII: Jackson's escaper writes its UTF-8 (and refuses a lone surrogate).
                    this.length = start;
                    return append(quoted(value));
                }
                byte escape = ESCAPE_LETTERS[c];
                if (escape == 0) {
                    out[at++] = (byte) c;
                }
                else if (escape > 0) {
                    out[at++] = '\\';
                    out[at++] = escape;
                }
                else {
                    byte[] unicode = ASCII_ESCAPES[c];
                    this.length = at;
                    ensure(unicode.length + 2 * (n - i));
                    out = this.bytes;
                    System.arraycopy(unicode, 0, out, at, unicode.length);
                    at += unicode.length;
                }
            }
            this.length = at;
            return this;
        }

        Utf8Buffer appendTimestamp(Instant instant) {
            if (!isFourDigitYear(instant)) {
                return appendQuoted(TIMESTAMP.format(instant));
            }
            ensure(TIMESTAMP_LENGTH);
            writeTimestamp(this.bytes, this.length, instant);
            this.length += TIMESTAMP_LENGTH;
            return this;
        }

        private void ensure(int more) {
            if (this.length + more > this.bytes.length) {
                this.bytes = Arrays.copyOf(this.bytes, Math.max(this.bytes.length * 2, this.length + more));
            }
        }

        byte[] toByteArray() {
            return (this.length == this.bytes.length) ? this.bytes : Arrays.copyOf(this.bytes, this.length);
        }
    }
}
