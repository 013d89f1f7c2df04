package dev.iotspring.streamsea;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;

import dev.iotspring.test.streamsea.RecordedRequest;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Compatibility checks 1-3 of the stream-sea spec: URLs, exact requests, error mapping; over real HTTP. */
class StreamSeaHttpApiTests {

    static final String SECRET = "s3cr3t-é€";

    static StreamSeaEmulator emulator;

    Templates templates;

    StreamSeaTemplate template;

    @BeforeAll
    static void startEmulator() {
        emulator = new StreamSeaEmulator().addClient("jail", "svc-boiler", SECRET).start();
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }

    @BeforeEach
    void createTemplate() {
        this.templates = new Templates(emulator);
        // Not started: these tests need no WebSocket.
        this.template = StreamSeaTemplate.create(this.templates.settings("svc-boiler", SECRET).build());
        emulator.clearRecordings();
    }

    @AfterEach
    void closeTemplates() {
        this.template.destroy();
        this.templates.close();
    }

    @Test
    void urlsForEverySchemeAndPort() {
        assertThat(StreamSeaClientSettings.builder("ss.example.net", "c").clientSecret("s").build().httpBaseUri())
            .hasToString("https://ss.example.net:443/api/v1");
        assertThat(StreamSeaClientSettings.builder("ss.example.net", "c").clientSecret("s").build().webSocketUri())
            .hasToString("wss://ss.example.net:443/api/v1/streams");
        StreamSeaClientSettings plain = StreamSeaClientSettings.builder("ss.example.net", "c")
            .clientSecret("s")
            .secure(false)
            .build();
        assertThat(plain.httpBaseUri()).hasToString("http://ss.example.net:80/api/v1");
        assertThat(plain.webSocketUri()).hasToString("ws://ss.example.net:80/api/v1/streams");
        StreamSeaClientSettings custom = plain.toBuilder().port(3104).build();
        assertThat(custom.httpBaseUri()).hasToString("http://ss.example.net:3104/api/v1");
        assertThat(custom.webSocketUri()).hasToString("ws://ss.example.net:3104/api/v1/streams");
        StreamSeaClientSettings secureCustom = plain.toBuilder().secure(true).port(8443).build();
        assertThat(secureCustom.httpBaseUri()).hasToString("https://ss.example.net:8443/api/v1");
        assertThat(secureCustom.webSocketUri()).hasToString("wss://ss.example.net:8443/api/v1/streams");
    }

    @Test
    void requestsAreByteForByteWhatTheServerExpects() {
        this.template.defineStream(Templates.READINGS);
        this.template.publish("readings", Map.of("seq", 7)).join();
        this.template.getSchemaVersionsVector(List.of("readings"));
        this.template.describeStream("readings");

        List<RecordedRequest> requests = emulator.httpRequests();
        assertThat(requests).extracting(RecordedRequest::method, RecordedRequest::path)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("POST", "/api/v1/streams/readings/define"),
                    org.assertj.core.groups.Tuple.tuple("POST", "/api/v1/streams/readings/publish"),
                    org.assertj.core.groups.Tuple.tuple("POST", "/api/v1/schema-versions-vector"),
                    org.assertj.core.groups.Tuple.tuple("GET", "/api/v1/streams/readings/schema"));
        String basic = "Basic " + Base64.getEncoder()
            .encodeToString(("svc-boiler:" + SECRET).getBytes(StandardCharsets.UTF_8));
        assertThat(requests).allSatisfy((request) -> {
            assertThat(request.header("Authorization")).isEqualTo(basic);
            assertThat(request.header("Content-Type")).isEqualTo("application/json");
            // As the JS client asks; never br, which a brotli4j on the classpath would otherwise add.
            assertThat(request.header("Accept-Encoding")).isEqualTo("gzip, deflate");
        });
        assertThat(requests.get(0).body()).isEqualTo("{\"version\":1,\"fields\":[{\"name\":\"seq\",\"type\":\"integer\"},"
                + "{\"name\":\"source\",\"type\":\"string\"},{\"name\":\"text\",\"type\":\"string\"}]}");
        assertThat(requests.get(1).body()).isEqualTo("{\"payload\":{\"seq\":7}}");
        assertThat(requests.get(2).body()).isEqualTo("{\"schemaNames\":[\"readings\"]}");
        assertThat(requests.get(3).body()).isEmpty();
        assertThat(requests.get(3).header("Content-Length")).isNull();
    }

    @Test
    void everyFieldTypeSurvivesDefineAndDescribe() {
        SchemaDefinition schema = SchemaDefinition.builder("berth_events", 3)
            .field("berthId", FieldType.STRING)
            .field("vesselImo", FieldType.INTEGER)
            .field("draft", FieldType.FLOAT)
            .field("eta", FieldType.DATE)
            .field("tags", FieldType.STRING_ARRAY)
            .field("drafts", FieldType.FLOAT_ARRAY)
            .field("counts", FieldType.INTEGER_ARRAY)
            .field("stops", FieldType.DATE_ARRAY)
            .enumField("side", "port", "starboard")
            .objectField("crane", (crane) -> crane.field("id", FieldType.STRING)
                .objectField("position", (p) -> p.field("x", FieldType.FLOAT).field("y", FieldType.FLOAT)))
            .objectArrayField("moves", (moves) -> moves.field("kind", FieldType.STRING).field("count", FieldType.INTEGER))
            .build();
        this.template.defineStream(schema);
        assertThat(this.template.describeStream("berth_events")).isEqualTo(schema);

        this.template.publish("berth_events", Map.of("berthId", "B7", "vesselImo", 9321483, "draft", 11.2, "eta",
                "2020-06-01T08:30:00Z", "side", "port", "tags", List.of("a"), "stops", List.of("2020-06-01T08:30:00Z"),
                "crane", Map.of("id", "C1", "position", Map.of("x", 1.5, "y", 2)), "moves",
                List.of(Map.of("kind", "load", "count", 3)))).join();
    }

    @Test
    void schemaVersionRules() {
        SchemaDefinition v2 = SchemaDefinition.builder("versions", 2).field("a", FieldType.STRING).build();
        this.template.defineStream(v2);
        // Same version, same fields (in another order): accepted.
        this.template.defineStream(SchemaDefinition.builder("versions", 2).field("a", FieldType.STRING).build());
        assertThatThrownBy(() -> this.template
            .defineStream(SchemaDefinition.builder("versions", 2).field("b", FieldType.STRING).build()))
            .isInstanceOf(StreamSeaValidationException.class)
            .isNotInstanceOf(StreamSeaSchemaDowngradeException.class);
        assertThatThrownBy(() -> this.template
            .defineStream(SchemaDefinition.builder("versions", 1).field("a", FieldType.STRING).build()))
            .isInstanceOfSatisfying(StreamSeaSchemaDowngradeException.class, (ex) -> assertThat(ex.getServerMessage())
                .contains("older version defined [2]"));
        this.template.defineStream(SchemaDefinition.builder("versions", 3).field("b", FieldType.INTEGER).build());
        assertThat(this.template.describeStream("versions").version()).isEqualTo(3);
        assertThat(this.template.getSchemaVersionsVector(List.of("versions", "nope", "versions")))
            .containsExactly(Optional.of(3), Optional.empty(), Optional.of(3));
    }

    @Test
    void errorsBecomeTypedExceptions() {
        this.template.defineStream(Templates.READINGS);
        assertThatThrownBy(() -> this.template.publish("readings", Map.of("seq", "seven", "extra", 1)).join())
            .isInstanceOf(CompletionException.class)
            .cause()
            .isInstanceOfSatisfying(StreamSeaPublishRejectedException.class,
                    (rejected) -> assertThat(rejected.getStatus()).isEqualTo(400))
            .cause()
            .isInstanceOfSatisfying(StreamSeaValidationException.class, (ex) -> {
                assertThat(ex.getStatus()).isEqualTo(400);
                assertThat(ex.getErrors()).hasSize(2).anySatisfy((e) -> assertThat(e).contains("payload.seq"));
            });
        assertThatThrownBy(() -> this.template.describeStream("unknown")).isInstanceOf(StreamSeaNotFoundException.class);

        StreamSeaTemplate wrong = StreamSeaTemplate.create(this.templates.settings("svc-boiler", "wrong").build());
        try {
            assertThatThrownBy(() -> wrong.describeStream("readings"))
                .isInstanceOfSatisfying(StreamSeaAuthenticationException.class, (ex) -> {
                    assertThat(ex.getStatus()).isEqualTo(401);
                    assertThat(ex.getServerMessage())
                        .isEqualTo("The credentials are present and well formed but invalid.");
                    assertThat(ex.getMessage()).doesNotContain("wrong");
                });
            assertThat(wrong.publish("readings", Map.of("seq", 1))).failsWithin(java.time.Duration.ofSeconds(5))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause()
                .isInstanceOf(StreamSeaPublishRejectedException.class)
                .withCauseInstanceOf(StreamSeaAuthenticationException.class)
                .satisfies((ex) -> assertThat(ex.getMessage()).doesNotContain("wrong"));
            assertThat(wrong.rejectedMessages()).isEqualTo(1);
        }
        finally {
            wrong.destroy();
        }
    }

    @Test
    void gzippedRequestBodiesAndResponses() {
        StreamSeaTemplate gzip = StreamSeaTemplate
            .create(this.templates.settings("svc-boiler", SECRET).compressRequests(true).build());
        try {
            gzip.defineStream(Templates.READINGS);
            gzip.publish("readings", Map.of("seq", 1, "text", "x".repeat(2000))).join();
            assertThat(gzip.describeStream("readings")).isEqualTo(Templates.READINGS);
        }
        finally {
            gzip.destroy();
        }
        List<RecordedRequest> requests = emulator.httpRequests();
        assertThat(requests.get(1).bodyWasGzipped()).isTrue();
        assertThat(requests.get(1).header("Content-Encoding")).isEqualTo("gzip");
        assertThat(requests.get(1).body()).startsWith("{\"payload\":{");

        // The server compresses answers only for clients that ask.
        String auth = "Basic " + Base64.getEncoder()
            .encodeToString(("svc-boiler:" + SECRET).getBytes(StandardCharsets.UTF_8));
        String plainEncoding = HttpClient.create()
            .headers((h) -> h.set("Authorization", auth))
            .get()
            .uri(emulator.httpBaseUrl() + "/streams/readings/schema")
            .response()
            .map((r) -> String.valueOf(r.responseHeaders().get("Content-Encoding")))
            .block();
        String gzipEncoding = HttpClient.create()
            .headers((h) -> h.set("Authorization", auth).set("Accept-Encoding", "gzip"))
            .get()
            .uri(emulator.httpBaseUrl() + "/streams/readings/schema")
            .response()
            .map((r) -> String.valueOf(r.responseHeaders().get("Content-Encoding")))
            .block();
        assertThat(plainEncoding).isEqualTo("null");
        assertThat(gzipEncoding).isEqualTo("gzip");
    }

    @Test
    void httpApiNeedsTheClientSecret() {
        StreamSeaTemplate jwtOnly = StreamSeaTemplate.create(this.templates.settings("svc-boiler", SECRET)
            .clientSecret(null)
            .tokenSource(StreamSeaTokenSource.fixed("a.b.c"))
            .build());
        try {
            assertThatThrownBy(() -> jwtOnly.describeStream("readings")).isInstanceOf(StreamSeaException.class)
                .hasMessageContaining("iot.stream-sea.client-secret");
        }
        finally {
            jwtOnly.destroy();
        }
    }
}
