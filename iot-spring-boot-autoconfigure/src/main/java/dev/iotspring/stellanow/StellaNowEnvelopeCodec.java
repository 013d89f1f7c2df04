package dev.iotspring.stellanow;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.UUID;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
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
 */
public final class StellaNowEnvelopeCodec {

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter
        .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
        .withZone(ZoneOffset.UTC);

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

    private final String organizationId;

    private final String projectId;

    private final String topic;

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
        long seconds = instant.getEpochSecond();
        if (seconds < 0 || seconds >= LAST_FOUR_DIGIT_YEAR) {
            return TIMESTAMP.format(instant);
        }
        // Written by hand for years 1970-9999: DateTimeFormatter's pattern walk showed up in send profiles.
        LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
        char[] c = "0000-00-00T00:00:00.000000Z".toCharArray();
        digits(c, 0, t.getYear(), 4);
        digits(c, 5, t.getMonthValue(), 2);
        digits(c, 8, t.getDayOfMonth(), 2);
        digits(c, 11, t.getHour(), 2);
        digits(c, 14, t.getMinute(), 2);
        digits(c, 17, t.getSecond(), 2);
        digits(c, 20, instant.getNano() / 1000, 6);
        return new String(c);
    }

    /** Writes {@code value} as {@code width} decimal digits, zero-padded, at {@code at}. */
    private static void digits(char[] target, int at, int value, int width) {
        int v = value;
        for (int i = at + width - 1; i >= at; i--) {
            target[i] = (char) ('0' + v % 10);
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
        EntityRef key = message.entities().get(0);
        // Streamed field by field (no maps to build and walk): this runs on the caller's thread for every send.
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
}
