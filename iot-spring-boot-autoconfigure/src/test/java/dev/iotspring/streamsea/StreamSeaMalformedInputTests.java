package dev.iotspring.streamsea;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.iotspring.streamsea.Templates.Reading;
import dev.iotspring.test.streamsea.ConnectionRecord;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bad input from the network, over the real emulator: the client reports a typed error or counts and skips the
 * input, the subscription survives, nothing it accepted is lost, and no secret shows in an error.
 */
class StreamSeaMalformedInputTests {

    static final Duration WAIT = Duration.ofSeconds(30);

    static final String SECRET = "s3cr3t-never-shown";

    static StreamSeaEmulator emulator;

    final Templates templates = new Templates(emulator);

    @BeforeAll
    static void startEmulator() {
        emulator = new StreamSeaEmulator().addClient("jail", "svc", SECRET).start();
        Templates.defineStreams(emulator, "svc", SECRET, Templates.READINGS);
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }

    @AfterEach
    void cleanUp() {
        this.templates.close();
        emulator.delayAuthenticationAnswers(Duration.ZERO);
        emulator.failPublishes(503, 0);
        emulator.clearRecordings();
    }

    // ---- WebSocket -----------------------------------------------------------------------------------------

    @Test
    void aFrameOverMaxFrameSizeIsATypedErrorAndTheSubscriptionComesBack() {
        StreamSeaTemplate template = this.templates.start("svc", SECRET, (s) -> s.maxFrameSize(64 * 1024));
        List<StreamSeaException> errors = new CopyOnWriteArrayList<>();
        this.templates.keep(template.connectionErrors().subscribe(errors::add));
        List<Reading> readings = new CopyOnWriteArrayList<>();
        this.templates.keep(template.subscribe("readings", Reading.class).subscribe(readings::add));
        ConnectionRecord first = awaitJoined(template, 1);

        emulator.injectToAll("{\"id\":2,\"action\":\"subscription\",\"payload\":{\"seq\":7,\"text\":\""
                + "x".repeat(100 * 1024) + "\"}}");
        await().atMost(WAIT).until(() -> !errors.isEmpty());
        assertThat(errors.get(0)).hasMessageContaining("max-frame-size").hasMessageNotContaining(SECRET);

        // A new socket, the subscription sent again, and what is published afterwards arrives.
        await().atMost(WAIT).until(() -> !this.templates.record(first.id()).isOpen());
        ConnectionRecord second = awaitJoined(template, 1);
        assertThat(second.id()).isGreaterThan(first.id());
        template.publish("readings", new Reading(1, "a", "after")).join();
        await().atMost(WAIT).until(() -> readings.size() == 1);
        assertThat(readings).extracting(Reading::seq).containsExactly(1);
    }

    @Test
    void binaryFramesAreCountedAndSkipped() {
        StreamSeaTemplate template = this.templates.start("svc", SECRET);
        List<Reading> readings = new CopyOnWriteArrayList<>();
        this.templates.keep(template.subscribe("readings", Reading.class).subscribe(readings::add));
        ConnectionRecord connection = awaitJoined(template, 1);

        emulator.injectBinaryFrame();
        template.publish("readings", new Reading(1, "a", "after")).join();
        await().atMost(WAIT).until(() -> readings.size() == 1);
        assertThat(template.connectionState().malformedFrames()).isEqualTo(1);
        assertThat(record(connection.id()).isOpen()).isTrue();
        assertThat(template.connectionState().reconnects()).isZero();
    }

    @Test
    void jsonFramesThatAreNotObjectsOrHaveNoIntegerIdAreCountedAndSkipped() {
        StreamSeaTemplate template = this.templates.start("svc", SECRET);
        List<Reading> readings = new CopyOnWriteArrayList<>();
        this.templates.keep(template.subscribe("readings", Reading.class).subscribe(readings::add));
        ConnectionRecord connection = awaitJoined(template, 1);

        String delivery = ",\"action\":\"subscription\",\"streamName\":\"readings\","
                + "\"payload\":{\"seq\":99,\"source\":\"x\",\"text\":\"y\"}}";
        // The subscription's id is 2: as a string or a fraction it must not be routed.
        List<String> frames = List.of("[1,2,3]", "42", "\"text\"", "null", "{\"id\":\"2\"" + delivery,
                "{\"id\":2.5" + delivery, "{\"id\":true" + delivery);
        frames.forEach(emulator::injectToAll);
        template.publish("readings", new Reading(1, "a", "after")).join();

        // The socket keeps frame order: once the publish arrived, every injected frame was read before it.
        await().atMost(WAIT).until(() -> readings.size() == 1);
        assertThat(readings).extracting(Reading::seq).containsExactly(1);
        assertThat(template.connectionState().malformedFrames()).isEqualTo(frames.size());
        assertThat(record(connection.id()).isOpen()).isTrue();
        assertThat(template.connectionState().reconnects()).isZero();
    }

    @Test
    void aPayloadTheSubscriberCannotReadIsCountedAndSkipped() {
        StreamSeaTemplate template = this.templates.start("svc", SECRET);
        List<Reading> readings = new CopyOnWriteArrayList<>();
        this.templates.keep(template.subscribe("readings", Reading.class).subscribe(readings::add));
        awaitJoined(template, 1);

        emulator.injectDelivery("jail", "readings", "{\"seq\":\"not a number\",\"source\":\"a\",\"text\":\"b\"}");
        emulator.injectDelivery("jail", "readings", "[1,2]");
        template.publish("readings", new Reading(1, "a", "after")).join();

        await().atMost(WAIT).until(() -> readings.size() == 1);
        assertThat(readings).extracting(Reading::seq).containsExactly(1);
        // The array is a batch of two messages, neither a Reading: each is counted.
        assertThat(template.undecodableDeliveries()).isEqualTo(3);
        assertThat(template.connectionState().received()).isEqualTo(3);
        assertThat(template.connectionState().reconnects()).isZero();
    }

    @Test
    void anUnansweredAuthenticateTimesOutAndTheSubscriptionSurvives() {
        emulator.delayAuthenticationAnswers(Duration.ofMinutes(5));
        StreamSeaTemplate template = this.templates.start("svc", SECRET,
                (s) -> s.authTimeout(Duration.ofMillis(500)).reconnect(Duration.ofMillis(200), Duration.ofMillis(400)));
        List<StreamSeaException> errors = new CopyOnWriteArrayList<>();
        this.templates.keep(template.connectionErrors().subscribe(errors::add));
        List<Reading> readings = new CopyOnWriteArrayList<>();
        this.templates.keep(template.subscribe("readings", Reading.class).subscribe(readings::add));

        await().atMost(WAIT).until(() -> !errors.isEmpty());
        assertThat(errors.get(0)).hasMessageContaining("did not answer the authenticate frame")
            .hasMessageNotContaining(SECRET);
        ConnectionRecord first = emulator.connections().get(0);
        await().atMost(WAIT).until(() -> !this.templates.record(first.id()).isOpen());
        assertThat(this.templates.record(first.id()).closedByClient()).isTrue();
        assertThat(template.isConnected()).isFalse();

        emulator.delayAuthenticationAnswers(Duration.ZERO);
        awaitJoined(template, 1);
        template.publish("readings", new Reading(1, "a", "after")).join();
        await().atMost(WAIT).until(() -> readings.size() == 1);
        assertThat(template.connectionState().lastError()).isNull();
    }

    // ---- HTTP --------------------------------------------------------------------------------------------------

    @Test
    void htmlAndPlainTextErrorBodiesAreNamedNotEchoed() {
        StreamSeaTemplate template = this.templates.start("svc", SECRET);
        // A proxy's 502 page: a server error, retried until the server takes the message.
        emulator.failPublishes(502, 1, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>");
        assertThat(template.publish("readings", new Reading(1, "a", "b"))).succeedsWithin(WAIT);
        assertThat(emulator.acceptedPayloads("readings")).hasSize(1);

        // A plain-text 403: final, typed, with status and content type but neither body nor secret.
        emulator.failPublishes(403, 1, "text/plain", "Forbidden for svc:" + SECRET);
        CompletableFuture<Void> refused = template.publish("readings", new Reading(2, "a", "b"));
        CompletableFuture<Void> next = template.publish("readings", new Reading(3, "a", "b"));
        assertThat(refused).failsWithin(WAIT)
            .withThrowableOfType(ExecutionException.class)
            .havingCause()
            .isInstanceOfSatisfying(StreamSeaPublishRejectedException.class, (ex) -> {
                assertThat(ex.getStatus()).isEqualTo(403);
                assertThat(ex.getCause()).hasMessageContaining("HTTP 403")
                    .hasMessageContaining("not JSON")
                    .hasMessageContaining("text/plain");
                assertThat(ex).hasMessageNotContaining(SECRET).hasMessageNotContaining("Forbidden for");
            });
        assertThat(next).succeedsWithin(WAIT);
        assertThat(emulator.acceptedPayloads("readings")).extracting((p) -> p.get("seq").asInt())
            .containsExactly(1, 3);
    }

    @Test
    void requestTimeoutAndTooManyRequestsAreRetriedForbiddenIsNot() {
        StreamSeaTemplate template = this.templates.start("svc", SECRET);
        emulator.failPublishes(408, 1);
        assertThat(template.publish("readings", new Reading(1, "a", "b"))).succeedsWithin(WAIT);
        emulator.failPublishes(429, 2);
        assertThat(template.publish("readings", new Reading(2, "a", "b"))).succeedsWithin(WAIT);
        assertThat(publishRequests()).as("1 + 1 retry, 1 + 2 retries").isEqualTo(5);

        emulator.failPublishes(403, 1);
        assertThat(template.publish("readings", Map.of("seq", 3))).failsWithin(WAIT)
            .withThrowableOfType(ExecutionException.class)
            .havingCause()
            .isInstanceOfSatisfying(StreamSeaPublishRejectedException.class,
                    (ex) -> assertThat(ex.getStatus()).isEqualTo(403));
        assertThat(publishRequests()).as("a 403 is not retried").isEqualTo(6);
        assertThat(template.rejectedMessages()).isEqualTo(1);
        assertThat(template.publishedMessages()).isEqualTo(2);
        assertThat(emulator.acceptedPayloads("readings")).extracting((p) -> p.get("seq").asInt())
            .containsExactly(1, 2);
    }

    private static long publishRequests() {
        return emulator.httpRequests().stream().filter((r) -> r.path().endsWith("/publish")).count();
    }

    private ConnectionRecord awaitJoined(StreamSeaTemplate template, int count) {
        return this.templates.awaitJoined(template, count);
    }

    private ConnectionRecord record(int id) {
        return this.templates.record(id);
    }
}
