package dev.iotspring.stellanow;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class StellaNowEnvelopeCodecTests {

    static final UUID ORG = UUID.fromString("0f5a2c9e-3b1d-4c7a-9e2f-8a6b5c4d3e21");

    static final UUID PROJECT = UUID.fromString("7c1e4b2a-9d3f-4e8a-b6c5-1a2b3c4d5e6f");

    final JsonMapper mapper = JsonMapper.builder().build();

    final StellaNowEnvelopeCodec codec = new StellaNowEnvelopeCodec(this.mapper, ORG, PROJECT);

    @Test
    void encodesTheSpecExampleByteForByteApartFromTheMessageId() {
        StellaNowMessage message = StellaNowMessage.builder("store_receipt")
            .entity("patron", "patron-42")
            .entity("local_shop", "shop-7")
            .payload(new Receipt("tx-9001", Instant.parse("2025-06-01T09:15:29Z"), true, 3))
            .originDate(Instant.parse("2025-06-01T09:15:30.123456789Z"))
            .build();

        String json = new String(this.codec.encode(message), StandardCharsets.UTF_8);

        assertThat(json).isEqualTo("{\"key\":{\"organizationId\":\"0f5a2c9e-3b1d-4c7a-9e2f-8a6b5c4d3e21\","
                + "\"projectId\":\"7c1e4b2a-9d3f-4e8a-b6c5-1a2b3c4d5e6f\",\"entityId\":\"patron-42\","
                + "\"entityTypeDefinitionId\":\"patron\"},\"value\":{\"metadata\":{\"messageId\":\""
                + message.messageId() + "\",\"messageOriginDateUTC\":\"2025-06-01T09:15:30.123456Z\","
                + "\"eventTypeDefinitionId\":\"store_receipt\",\"entityTypeIds\":[{\"entityTypeDefinitionId\":"
                + "\"patron\",\"entityId\":\"patron-42\"},{\"entityTypeDefinitionId\":\"local_shop\",\"entityId\":"
                + "\"shop-7\"}]},\"payload\":\"{\\\"transaction_id\\\":\\\"tx-9001\\\",\\\"paid_at\\\":"
                + "\\\"2025-06-01T09:15:29.000000Z\\\",\\\"is_member\\\":true,\\\"items\\\":3}\"}}");
        assertThat(this.codec.topic()).isEqualTo("in/0f5a2c9e-3b1d-4c7a-9e2f-8a6b5c4d3e21");
    }

    @Test
    void payloadIsAStringHoldingJsonAndTheKeyIsTheFirstEntity() {
        StellaNowMessage message = StellaNowMessage.builder("user_details")
            .entity("patron", "p-1")
            .entity("shop", "s-1")
            .payload(Map.of("amount", new BigDecimal("12.50")))
            .build();
        JsonNode envelope = this.codec.decode(this.codec.encode(message));

        assertThat(names(envelope)).containsExactly("key", "value");
        assertThat(names(envelope.get("key"))).containsExactly("organizationId", "projectId", "entityId",
                "entityTypeDefinitionId");
        assertThat(names(envelope.get("value"))).containsExactly("metadata", "payload");
        assertThat(names(envelope.get("value").get("metadata"))).containsExactly("messageId", "messageOriginDateUTC",
                "eventTypeDefinitionId", "entityTypeIds");
        assertThat(envelope.at("/key/entityId").asString()).isEqualTo("p-1");
        assertThat(envelope.at("/key/entityTypeDefinitionId").asString()).isEqualTo("patron");
        JsonNode payload = envelope.at("/value/payload");
        assertThat(payload.isString()).isTrue();
        assertThat(this.mapper.readTree(payload.asString()).get("amount").decimalValue())
            .isEqualByComparingTo("12.50");
    }

    @Test
    void messageIdsAreFreshLowercaseUuidV4AndTimestampsHaveSixDigits() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            StellaNowMessage message = StellaNowMessage.builder("e").entity("t", "1").build();
            JsonNode envelope = this.codec.decode(this.codec.encode(message));
            String id = envelope.at("/value/metadata/messageId").asString();
            assertThat(id).matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
            ids.add(id);
            assertThat(envelope.at("/value/metadata/messageOriginDateUTC").asString())
                .matches("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$");
        }
        assertThat(ids).hasSize(1000);
    }

    @Test
    void originDateIsWrittenInUtcWhateverTheInstantsSource() {
        Instant instant = OffsetDateTime.of(2025, 1, 2, 3, 4, 5, 600_000_000, ZoneOffset.ofHours(5)).toInstant();
        StellaNowMessage message = StellaNowMessage.builder("e").entity("t", "1").originDate(instant).build();
        JsonNode envelope = this.codec.decode(this.codec.encode(message));
        assertThat(envelope.at("/value/metadata/messageOriginDateUTC").asString())
            .isEqualTo("2025-01-01T22:04:05.600000Z");
    }

    @Test
    void applicationMapperSettingsApplyToThePayloadButNeverIndentTheEnvelope() {
        JsonMapper indenting = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        StellaNowEnvelopeCodec codec = new StellaNowEnvelopeCodec(indenting, ORG, PROJECT);
        String json = new String(codec.encode(StellaNowMessage.builder("e").entity("t", "1")
            .payload(Map.of("day", LocalDate.of(2025, 6, 1)))
            .build()), StandardCharsets.UTF_8);
        assertThat(json).doesNotContain("\n").contains("\\\"day\\\":\\\"2025-06-01\\\"");
    }

    @Test
    void rawPayloadIsSentVerbatimAndMustBeAJsonObject() {
        String raw = "{\"user_id\": \"u-1\", \"n\": 44}";
        StellaNowMessage message = StellaNowMessage.builder("e").entity("t", "1").rawPayload(raw).build();
        assertThat(this.codec.decode(this.codec.encode(message)).at("/value/payload").asString()).isEqualTo(raw);

        assertThatIllegalArgumentException()
            .isThrownBy(() -> this.codec.encode(StellaNowMessage.builder("e").entity("t", "1").rawPayload("{oops").build()))
            .withMessageContaining("not valid JSON");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> this.codec.encode(StellaNowMessage.builder("e").entity("t", "1").rawPayload("[1]").build()))
            .withMessageContaining("must be a JSON object");
    }

    @Test
    void aMessageNeedsAnEventNameAndAnEntity() {
        assertThatIllegalArgumentException().isThrownBy(() -> StellaNowMessage.builder("store_receipt").build())
            .withMessageContaining("at least one entity");
        assertThatIllegalArgumentException().isThrownBy(() -> StellaNowMessage.builder(" "));
        assertThatIllegalArgumentException().isThrownBy(() -> StellaNowMessage.builder("e").entity("patron", ""))
            .withMessageContaining("patron");
    }

    @Test
    void typedRecordEventsBecomeEntitiesAndASnakeCasePayload() {
        UserDetailsUpdate event = new UserDetailsUpdate("12345", "shop-9", "user_1", new PhoneNumber(44, 753594),
                Instant.parse("2025-04-25T12:34:56.789012Z"));
        StellaNowMessage message = this.codec.toMessage(event);

        assertThat(message.eventTypeDefinitionId()).isEqualTo("user_details_update");
        assertThat(message.entities()).containsExactly(EntityRef.of("patron", "12345"), EntityRef.of("local_shop", "shop-9"));
        JsonNode payload = this.mapper.readTree(message.rawPayload());
        assertThat(names(payload)).containsExactly("user_id", "phone_number", "seen_at");
        assertThat(payload.at("/phone_number/country_code").asInt()).isEqualTo(44);
        assertThat(payload.get("seen_at").asString()).isEqualTo("2025-04-25T12:34:56.789012Z");
    }

    @Test
    void typedClassEventsHonourJsonPropertyAndIgnore() {
        StoreReceipt receipt = new StoreReceipt();
        receipt.patron = "p-7";
        receipt.transactionId = "tx-1";
        receipt.internal = "secret";
        receipt.total = 3;
        StellaNowMessage message = this.codec.toMessage(receipt);
        assertThat(message.entities()).containsExactly(EntityRef.of("patron", "p-7"));
        assertThat(message.rawPayload()).isEqualTo("{\"transaction_id\":\"tx-1\",\"grand_total\":3}");
    }

    @Test
    void typedEventsAreCheckedForAnnotationsAndEntityIds() {
        assertThatIllegalArgumentException().isThrownBy(() -> this.codec.toMessage(new PhoneNumber(1, 2)))
            .withMessageContaining("@StellaNowEvent");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> this.codec.toMessage(new UserDetailsUpdate(null, "s", "u", null, null)))
            .withMessageContaining("patron");
    }

    @Test
    void originDateOfATypedRecordIsTheEnvelopeTimestampAndNotInThePayload() {
        Instant origin = Instant.parse("2025-03-04T05:06:07.123456789Z");
        StellaNowMessage message = this.codec.toMessage(new TimedLogin("p-1", origin, "web"));

        JsonNode envelope = this.codec.decode(this.codec.encode(message));
        assertThat(envelope.at("/value/metadata/messageOriginDateUTC").asString())
            .isEqualTo("2025-03-04T05:06:07.123456Z");
        assertThat(message.rawPayload()).isEqualTo("{\"channel\":\"web\"}");
        assertThat(message.entities()).containsExactly(EntityRef.of("patron", "p-1"));
    }

    @Test
    void originDateOfATypedClassIsConvertedToUtc() {
        TimedReceipt receipt = new TimedReceipt();
        receipt.patron = "p-2";
        receipt.happenedAt = ZonedDateTime.of(2025, 7, 1, 1, 30, 0, 500_000, ZoneId.of("Europe/Berlin"));
        receipt.total = 9;
        StellaNowMessage message = this.codec.toMessage(receipt);

        JsonNode envelope = this.codec.decode(this.codec.encode(message));
        assertThat(envelope.at("/value/metadata/messageOriginDateUTC").asString())
            .isEqualTo("2025-06-30T23:30:00.000500Z");
        assertThat(message.rawPayload()).isEqualTo("{\"total\":9}");
        assertThat(envelope.at("/value/payload").asString()).doesNotContain("happened");
    }

    @Test
    void aNullOriginDateMeansNow() {
        Instant before = Instant.now();
        StellaNowMessage message = this.codec.toMessage(new TimedLogin("p-1", null, "app"));
        assertThat(message.originDate()).isBetween(before, Instant.now());
        assertThat(message.rawPayload()).isEqualTo("{\"channel\":\"app\"}");
    }

    @Test
    void misusedOriginDatesNameTheTypeAndMember() {
        assertThatIllegalArgumentException().isThrownBy(() -> this.codec.toMessage(new WrongOriginType("p", 12L)))
            .withMessageContaining(WrongOriginType.class.getName() + ".at")
            .withMessageContaining("java.lang.Long")
            .withMessageContaining("Instant, OffsetDateTime or ZonedDateTime");
        TwoOrigins two = new TwoOrigins();
        two.patron = "p";
        assertThatIllegalArgumentException().isThrownBy(() -> this.codec.toMessage(two))
            .withMessageContaining(TwoOrigins.class.getName())
            .withMessageContaining("more than one @StellaNowOriginDate")
            .withMessageContaining("first, second");
    }

    static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.propertyNames().forEach(names::add);
        return names;
    }

    record Receipt(@JsonProperty("transaction_id") String transactionId, @JsonProperty("paid_at") Instant paidAt,
            @JsonProperty("is_member") boolean isMember, int items) {
    }

    record PhoneNumber(int countryCode, long number) {
    }

    @StellaNowEvent("user_details_update")
    record UserDetailsUpdate(@StellaNowEntity("patron") String patron, @StellaNowEntity("local_shop") String shop,
            String userId, PhoneNumber phoneNumber, Instant seenAt) {
    }

    @StellaNowEvent("store_receipt")
    static class StoreReceipt {

        static final String IGNORED_CONSTANT = "x";

        @StellaNowEntity("patron")
        String patron;

        String transactionId;

        @com.fasterxml.jackson.annotation.JsonIgnore
        String internal;

        @com.fasterxml.jackson.annotation.JsonProperty("grand_total")
        int total;
    }

    @StellaNowEvent("user_login")
    record TimedLogin(@StellaNowEntity("patron") String patron, @StellaNowOriginDate Instant loggedInAt,
            String channel) {
    }

    @StellaNowEvent("store_receipt")
    static class TimedReceipt {

        @StellaNowEntity("patron")
        String patron;

        @StellaNowOriginDate
        ZonedDateTime happenedAt;

        int total;
    }

    @StellaNowEvent("e")
    record WrongOriginType(@StellaNowEntity("patron") String patron, @StellaNowOriginDate Long at) {
    }

    @StellaNowEvent("e")
    static class TwoOrigins {

        @StellaNowEntity("patron")
        String patron;

        @StellaNowOriginDate
        Instant first;

        @StellaNowOriginDate
        OffsetDateTime second;
    }

    @Test
    void timestampsMatchTheSixDigitPatternAcrossTheCalendar() {
        java.time.format.DateTimeFormatter pattern = java.time.format.DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);
        List<Instant> instants = new ArrayList<>(List.of(Instant.EPOCH, Instant.parse("2024-02-29T23:59:59.999999999Z"),
                Instant.parse("9999-12-31T23:59:59.999999Z"), Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.parse("1969-12-31T23:59:59.5Z"), Instant.parse("2026-12-02T02:03:04.000001Z")));
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 2000; i++) {
            instants.add(Instant.ofEpochSecond(random.nextLong(0, 253402300800L), random.nextInt(1_000_000_000)));
        }
        for (Instant instant : instants) {
            assertThat(StellaNowEnvelopeCodec.formatTimestamp(instant)).as(instant.toString())
                .isEqualTo(pattern.format(instant));
        }
    }

    /**
     * The envelope is written byte by byte from pre-encoded parts; whatever the strings hold (quotes, control
     * characters, non-ASCII, surrogate pairs, lone surrogates, slashes) its bytes are what Jackson's generator
     * writes for the same envelope, and the origin date is the six-digit pattern at any date.
     */
    @Test
    void envelopeBytesAreWhatJacksonsGeneratorWritesWhateverTheStrings() {
        java.time.format.DateTimeFormatter pattern = java.time.format.DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);
        String[] pieces = { "a", "Z9", "-", "/", "\"", "\\", "\n", "\t", "\u0001", "\u001f", "\u007f", "é", "€",
                "\uD83D\uDE00", "\uD800", "\uDC00", "\u2028", "<&>", " " };
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 300; i++) {
            StellaNowMessage.Builder builder = StellaNowMessage.builder(randomText(random, pieces))
                .originDate((i % 50 == 0) ? Instant.parse("+10000-01-01T00:00:00.25Z")
                        : Instant.ofEpochSecond(random.nextLong(0, 253402300800L), random.nextInt(1_000_000_000)));
            int entities = 1 + random.nextInt(3);
            for (int e = 0; e < entities; e++) {
                builder.entity(randomText(random, pieces), randomText(random, pieces));
            }
            StellaNowMessage message = builder.payload(Map.of(randomText(random, pieces), randomText(random, pieces)))
                .build();

            tools.jackson.databind.node.ObjectNode envelope = this.mapper.createObjectNode();
            tools.jackson.databind.node.ObjectNode key = envelope.putObject("key");
            key.put("organizationId", ORG.toString());
            key.put("projectId", PROJECT.toString());
            key.put("entityId", message.entities().get(0).entityId());
            key.put("entityTypeDefinitionId", message.entities().get(0).entityTypeDefinitionId());
            tools.jackson.databind.node.ObjectNode value = envelope.putObject("value");
            tools.jackson.databind.node.ObjectNode metadata = value.putObject("metadata");
            metadata.put("messageId", message.messageId());
            metadata.put("messageOriginDateUTC", pattern.format(message.originDate()));
            metadata.put("eventTypeDefinitionId", message.eventTypeDefinitionId());
            tools.jackson.databind.node.ArrayNode ids = metadata.putArray("entityTypeIds");
            for (EntityRef entity : message.entities()) {
                ids.addObject().put("entityTypeDefinitionId", entity.entityTypeDefinitionId())
                    .put("entityId", entity.entityId());
            }
            value.put("payload", this.codec.payloadJson(message));

            assertThat(this.codec.encode(message)).as("%s", message)
                .isEqualTo(this.mapper.writeValueAsBytes(envelope));
        }
    }

    private static String randomText(java.util.Random random, String[] pieces) {
        StringBuilder text = new StringBuilder("x");
        int n = random.nextInt(6);
        for (int i = 0; i < n; i++) {
            text.append(pieces[random.nextInt(pieces.length)]);
        }
        return text.toString();
    }
}
