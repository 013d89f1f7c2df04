package dev.iotspring.streamsea.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.streamsea.StreamSeaPublishRejectedException;
import dev.iotspring.streamsea.StreamSeaTemplate;
import dev.iotspring.streamsea.StreamSeaValidationException;
import dev.iotspring.test.streamsea.RecordedRequest;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static dev.iotspring.streamsea.autoconfigure.StreamSeaPublishFixture.publish;
import static dev.iotspring.streamsea.autoconfigure.StreamSeaPublishFixture.range;
import static dev.iotspring.streamsea.autoconfigure.StreamSeaPublishFixture.seqs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code iot.stream-sea.batch.*}: consecutive publishes of one stream as one JSON-array payload, against the
 * emulator over real HTTP. What a user notices: fewer requests, the same messages in the same order, each future
 * completed by its batch's answer, and subscribers of this starter still receiving one message at a time.
 */
class StreamSeaPublishBatchTests {

    static final Duration WAIT = Duration.ofSeconds(30);

    static final JsonMapper JSON = JsonMapper.builder().build();

    static StreamSeaEmulator emulator;

    static int port;

    @TempDir
    Path storage;

    @BeforeAll
    static void startEmulator() {
        emulator = StreamSeaPublishFixture.startEmulator("readings", "alerts");
        port = emulator.port();
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }

    @AfterEach
    void restoreEmulator() {
        emulator.failPublishes(503, 0);
        emulator.clearRecordings();
    }

    ApplicationContextRunner runner(String... extra) {
        return StreamSeaPublishFixture.runner(port, this.storage)
            .withPropertyValues("iot.stream-sea.batch.enabled=true", "iot.stream-sea.batch.max-size=10",
                    "iot.stream-sea.batch.max-wait=500ms")
            .withPropertyValues(extra);
    }

    @Test
    void publishesGoOutInFewerRequestsInOrderAndEveryFutureCompletes() {
        runner().run((context) -> {
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            List<CompletableFuture<Void>> futures = publish(template, "readings", 0, 25);
            assertThat(futures).allSatisfy((f) -> assertThat(f).succeedsWithin(WAIT));

            assertThat(seqs(emulator.acceptedMessages("readings"))).containsExactlyElementsOf(range(0, 25));
            List<JsonNode> payloads = publishPayloads("readings");
            // Ten at most per request, so at least three; a few more only if publishing stalled past max-wait.
            assertThat(payloads).hasSizeBetween(3, 6).allSatisfy((payload) -> assertThat(size(payload)).isBetween(1, 10));
            assertThat(template.publishedMessages()).isEqualTo(25);
            assertThat(template.pendingMessages()).isZero();
        });
    }

    @Test
    void aBatchHoldsOneStreamAndALoneMessageIsSentAsAnObject() {
        runner().run((context) -> {
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            List<CompletableFuture<Void>> futures = new ArrayList<>(publish(template, "readings", 0, 3));
            futures.add(template.publish("alerts", Map.of("seq", 100)));
            futures.addAll(publish(template, "readings", 3, 5));
            assertThat(futures).allSatisfy((f) -> assertThat(f).succeedsWithin(WAIT));

            // The alert closed the first batch: it reached the server between the readings, as published.
            List<RecordedRequest> requests = publishRequests();
            assertThat(requests).extracting(RecordedRequest::path)
                .containsExactly("/api/v1/streams/readings/publish", "/api/v1/streams/alerts/publish",
                        "/api/v1/streams/readings/publish");
            assertThat(JSON.readTree(requests.get(1).body()))
                .as("one message is sent as itself, not as a batch of one")
                .isEqualTo(JSON.readTree("{\"payload\":{\"seq\":100}}"));
            assertThat(JSON.readTree(requests.get(0).body()))
                .isEqualTo(JSON.readTree("{\"payload\":[{\"seq\":0},{\"seq\":1},{\"seq\":2}]}"));
            assertThat(seqs(emulator.acceptedMessages("readings"))).containsExactly(0, 1, 2, 3, 4);
        });
    }

    @Test
    void aRejectedBatchFailsEachOfItsMessagesAndTheNextBatchGoesOn() {
        runner("iot.stream-sea.batch.max-size=3").run((context) -> {
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            List<CompletableFuture<Void>> rejected = List.of(template.publish("readings", Map.of("seq", 0)),
                    template.publish("readings", Map.of("seq", "one")), template.publish("readings", Map.of("seq", 2)));
            List<CompletableFuture<Void>> after = publish(template, "readings", 3, 5);

            assertThat(rejected).allSatisfy((f) -> assertThat(f).failsWithin(WAIT)
                .withThrowableOfType(ExecutionException.class)
                .havingCause()
                .isInstanceOf(StreamSeaPublishRejectedException.class)
                .havingCause()
                .isInstanceOfSatisfying(StreamSeaValidationException.class,
                        (ex) -> assertThat(ex.getErrors()).singleElement().asString().startsWith("payload[1].seq: ")));
            assertThat(after).allSatisfy((f) -> assertThat(f).succeedsWithin(WAIT));
            assertThat(seqs(emulator.acceptedMessages("readings"))).containsExactly(3, 4);
            assertThat(template.rejectedMessages()).isEqualTo(3);
        });
    }

    @Test
    void aBatchTheServerCouldNotTakeIsSentAgainInOrderWithoutDuplicates() {
        emulator.failPublishes(503, 2);
        runner().run((context) -> {
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            List<CompletableFuture<Void>> futures = publish(template, "readings", 0, 25);
            assertThat(futures).allSatisfy((f) -> assertThat(f).succeedsWithin(WAIT));
            assertThat(seqs(emulator.acceptedMessages("readings"))).containsExactlyElementsOf(range(0, 25));
            assertThat(template.getDispatcher().stats().retries()).isEqualTo(2);
            assertThat(template.rejectedMessages()).isZero();
        });
    }

    @Test
    void subscribersOfThisStarterReceiveABatchOneMessageAtATime() {
        runner().run((context) -> {
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            List<Reading> readings = new CopyOnWriteArrayList<>();
            List<List<?>> arrays = new CopyOnWriteArrayList<>();
            var one = template.subscribeFanout("readings", Reading.class).subscribe(readings::add);
            var whole = template.subscribeFanout("readings", List.class).subscribe(arrays::add);
            try {
                await().atMost(WAIT).until(() -> emulator.subscriberCount("jail", "readings") == 2);
                List<CompletableFuture<Void>> futures = publish(template, "readings", 0, 4);
                assertThat(futures).allSatisfy((f) -> assertThat(f).succeedsWithin(WAIT));

                await().atMost(WAIT).until(() -> readings.size() == 4);
                assertThat(readings).extracting(Reading::seq).containsExactly(0, 1, 2, 3);
                // A subscriber that reads lists gets each batch as the server delivered it.
                await().atMost(WAIT).until(() -> arrays.stream().mapToInt(List::size).sum() == 4);
                assertThat(arrays).hasSizeLessThan(4);
            }
            finally {
                one.dispose();
                whole.dispose();
            }
        });
    }

    @Test
    void aBatchSizeOutOfRangeFailsTheStartNamingTheProperty() {
        runner("iot.stream-sea.batch.max-size=0").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                .isInstanceOf(IotConfigurationException.class)
                .hasMessageContaining("iot.stream-sea.batch.max-size")
                .hasMessageContaining("between 1 and 10000");
        });
    }

    record Reading(int seq) {
    }

    private static List<RecordedRequest> publishRequests() {
        return emulator.httpRequests().stream().filter((r) -> r.path().endsWith("/publish")).toList();
    }

    private static List<JsonNode> publishPayloads(String stream) {
        return publishRequests().stream()
            .filter((r) -> r.path().equals("/api/v1/streams/" + stream + "/publish"))
            .map((r) -> JSON.readTree(r.body()).get("payload"))
            .toList();
    }

    private static int size(JsonNode payload) {
        return payload.isArray() ? payload.size() : 1;
    }
}
