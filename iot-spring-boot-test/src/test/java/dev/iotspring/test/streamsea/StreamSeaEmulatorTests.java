package dev.iotspring.test.streamsea;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The emulator's own strictness, seen by a raw WebSocket/HTTP client that can break the protocol (the
 * template never does).
 */
class StreamSeaEmulatorTests {

    static final JsonMapper JSON = JsonMapper.builder().build();

    static final String AUTH = "{\"id\":1,\"action\":\"authenticate\",\"payload\":{\"type\":\"basic\",\"clientId\":\"svc\",\"clientSecret\":\"secret\"}}";

    static StreamSeaEmulator emulator;

    @BeforeAll
    static void start() {
        emulator = new StreamSeaEmulator().addClient("jail", "svc", "secret")
            .addClient("jail", "other", "secret2")
            .authFailureCloseDelay(Duration.ofMillis(100))
            .start();
    }

    @AfterAll
    static void stop() {
        emulator.close();
    }

    @AfterEach
    void reset() {
        emulator.closeOnIdViolation(false);
        emulator.clearRecordings();
    }

    @Test
    void aSubscribeBeforeAuthenticationIsRefusedAndTheSocketClosed() {
        List<JsonNode> answers = exchange(2, List.of("{\"id\":1,\"action\":\"subscribe\",\"payload\":\"s\"}"));
        assertThat(answers).hasSize(1);
        assertThat(answers.get(0).get("success").asBoolean()).isFalse();
        await().until(() -> !last().isOpen());
        assertThat(last().closedByClient()).isFalse();
        assertThat(emulator.protocolViolations()).singleElement().asString().contains("first frame is subscribe");
    }

    @Test
    void aNullGroupIdIsRefused() {
        List<JsonNode> answers = exchange(4, List.of(AUTH,
                "{\"id\":2,\"action\":\"subscribe\",\"payload\":\"s\",\"groupId\":null}",
                "{\"id\":3,\"action\":\"subscribe\",\"payload\":\"s\",\"groupId\":\"3F1C2A9E-5B7D-4C11-9A0E-6D2F8B41C7AA\"}",
                "{\"id\":4,\"action\":\"subscribe\",\"payload\":\"s\",\"groupId\":\"3f1c2a9e-5b7d-4c11-9a0e-6d2f8b41c7aa\"}"));
        assertThat(answers).extracting((a) -> a.get("id").asInt() + ":" + a.get("success").asBoolean())
            .containsExactly("1:true", "2:false", "3:false", "4:true");
        assertThat(answers.get(3).get("action").asString()).isEqualTo("subscription");
        assertThat(answers.get(3).get("payload").asInt()).isEqualTo(4);
        assertThat(answers.get(3).get("streamName").asString()).isEqualTo("s");
    }

    @Test
    void idsThatDoNotRiseByOneAreRecordedOrCloseTheSocket() {
        exchange(2, List.of(AUTH, "{\"id\":3,\"action\":\"subscribe\",\"payload\":\"s\"}"));
        assertThat(emulator.protocolViolations()).singleElement().asString().contains("id 3 after id 1");
        emulator.closeOnIdViolation(true);
        exchange(2, List.of(AUTH, "{\"id\":5,\"action\":\"subscribe\",\"payload\":\"s\"}"));
        await().until(() -> !last().isOpen());
    }

    @Test
    void aSecondAuthenticateIsRefused() {
        List<JsonNode> answers = exchange(2, List.of(AUTH, AUTH.replace("\"id\":1", "\"id\":2")));
        assertThat(answers).extracting((a) -> a.get("success").asBoolean()).containsExactly(true, false);
    }

    @Test
    void binaryFramesAreProtocolViolations() {
        HttpClient.create()
            .websocket()
            .uri(emulator.webSocketUrl())
            .handle((in, out) -> out.sendObject(Flux.just(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] { 1 }))))
                .then(Mono.delay(Duration.ofMillis(200)).then()))
            .blockLast(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(30)).until(() -> !emulator.protocolViolations().isEmpty());
        assertThat(emulator.protocolViolations()).singleElement().asString().contains("BinaryWebSocketFrame");
    }

    @Test
    void registersPkcs1JwtPublicKeysOverHttp() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(1024);
        java.security.interfaces.RSAPublicKey key = (java.security.interfaces.RSAPublicKey) generator.generateKeyPair()
            .getPublic();
        // PKCS#1 "BEGIN RSA PUBLIC KEY", what the stream-sea CLI's key generator writes.
        RSAPublicKey pkcs1 = new RSAPublicKey(key.getModulus(), key.getPublicExponent());
        StringWriter pem = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
            writer.writeObject(new PemObject("RSA PUBLIC KEY", pkcs1.getEncoded()));
        }
        String body = JSON.writeValueAsString(java.util.Map.of("jwtPublicKey", pem.toString()));
        assertThat(put("/client/svc/jwt-public-key", "svc", "secret", body)).startsWith("200 ")
            .contains("\"givenId\":\"svc\"");
        assertThat(put("/client/other/jwt-public-key", "svc", "secret", body)).startsWith("403 ");
        assertThat(put("/client/svc/jwt-public-key", "svc", "wrong", body)).startsWith("401 ");
        assertThat(put("/client/svc/jwt-public-key", "svc", "secret", "{\"jwtPublicKey\":\"nope\"}")).startsWith("400 ");
    }

    @Test
    void failsPublishesWithAnErrorPageThenServesAgain() {
        emulator.failPublishes(502, 1, "text/html", "<html><body>502 Bad Gateway</body></html>");
        assertThat(send("POST", "/streams/nope/publish", "svc", "secret", "{\"payload\":{}}"))
            .isEqualTo("502 text/html <html><body>502 Bad Gateway</body></html>");
        // One failure only: the next publish is judged normally (no such stream).
        assertThat(send("POST", "/streams/nope/publish", "svc", "secret", "{\"payload\":{}}"))
            .startsWith("404 application/json {\"message\":");
        assertThat(emulator.acceptedPayloads("nope")).isEmpty();
        assertThat(emulator.deliveryCount("nope")).isZero();
    }

    @Test
    void acceptsABatchOnlyWhenEveryElementMatchesTheSchema() {
        assertThat(send("POST", "/streams/moves/define", "svc", "secret",
                "{\"version\":1,\"fields\":[{\"name\":\"key\",\"type\":\"string\"},"
                        + "{\"name\":\"count\",\"type\":\"integer\"}]}")).startsWith("200 ");
        // The PHP client's batch: one request, the payload a JSON array of messages.
        assertThat(send("POST", "/streams/moves/publish", "svc", "secret",
                "{\"payload\":[{\"key\":\"a\",\"count\":1},{\"key\":\"b\",\"count\":2}]}")).startsWith("200 ");
        String refused = send("POST", "/streams/moves/publish", "svc", "secret",
                "{\"payload\":[{\"key\":\"c\",\"count\":3},{\"key\":\"d\",\"count\":\"four\"}]}");
        assertThat(refused).startsWith("400 ").contains("payload[1].count").doesNotContain("payload[0]");
        assertThat(send("POST", "/streams/moves/publish", "svc", "secret", "{\"payload\":[]}")).startsWith("400 ");
        assertThat(emulator.acceptedPayloads("moves")).hasSize(1);
        assertThat(emulator.acceptedMessages("moves")).extracting((m) -> m.get("key").asString())
            .containsExactly("a", "b");
    }

    @Test
    void keepsServingAfterReactorNettysGlobalResourcesAreDisposed() throws Exception {
        // What closing a Spring context with a ReactorResourceFactory (global resources) does.
        reactor.netty.http.HttpResources.disposeLoopsAndConnections();
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient()
            .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(emulator.httpBaseUrl() + "/streams/s/schema"))
                .timeout(Duration.ofSeconds(5))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(401);
    }

    private static String put(String path, String user, String secret, String body) {
        String answer = send("PUT", path, user, secret, body);
        // "<status> <content type> <body>" without the content type, as the key tests read it
        int space = answer.indexOf(' ', answer.indexOf(' ') + 1);
        return answer.substring(0, answer.indexOf(' ') + 1) + answer.substring(space + 1);
    }

    /** {@code "<status> <content type> <body>"}. */
    private static String send(String method, String path, String user, String secret, String body) {
        return HttpClient.create()
            .headers((h) -> h.set("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8)))
                .set("Content-Type", "application/json"))
            .request(io.netty.handler.codec.http.HttpMethod.valueOf(method))
            .uri(emulator.httpBaseUrl() + path)
            .send(Mono.just(Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8))))
            .responseSingle((response, content) -> content.asString()
                .defaultIfEmpty("")
                .map((text) -> response.status().code() + " " + response.responseHeaders().get("Content-Type") + " "
                        + text))
            .block(Duration.ofSeconds(5));
    }

    /** Sends the frames in order and collects {@code answers} answers (fewer if the server closes first). */
    private static List<JsonNode> exchange(int answers, List<String> frames) {
        return HttpClient.create()
            .websocket()
            .uri(emulator.webSocketUrl())
            .handle((in, out) -> in.receive()
                .asString()
                .mergeWith(out.sendString(Flux.fromIterable(frames).delayElements(Duration.ofMillis(20)))
                    .then()
                    .cast(String.class))
                .take(answers)
                .take(Duration.ofSeconds(5)))
            .map(JSON::readTree)
            .collectList()
            .block(Duration.ofSeconds(5));
    }

    private static ConnectionRecord last() {
        List<ConnectionRecord> connections = emulator.connections();
        return connections.get(connections.size() - 1);
    }
}
