package dev.iotspring.streamsea.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import dev.iotspring.core.delivery.DeliveryClosedException;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.queue.QueueFullException;
import dev.iotspring.streamsea.StreamSeaArgumentException;
import dev.iotspring.streamsea.StreamSeaNotFoundException;
import dev.iotspring.streamsea.StreamSeaOperations;
import dev.iotspring.streamsea.StreamSeaPublishRejectedException;
import dev.iotspring.streamsea.StreamSeaTemplate;
import dev.iotspring.streamsea.StreamSeaValidationException;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static dev.iotspring.streamsea.autoconfigure.StreamSeaPublishFixture.range;
import static dev.iotspring.streamsea.autoconfigure.StreamSeaPublishFixture.seqs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Publishing through the queue and dispatcher of a real application context, over real HTTP against the
 * emulator: outages, refused messages, durable restarts and the shutdown drain.
 */
@ExtendWith(OutputCaptureExtension.class)
class StreamSeaPublishDeliveryTests {

    static final Duration WAIT = Duration.ofSeconds(30);

    static StreamSeaEmulator emulator;

    static int port;

    @TempDir
    Path storage;

    @BeforeAll
    static void startEmulator() {
        emulator = StreamSeaPublishFixture.startEmulator("readings");
        port = emulator.port();
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }

    @AfterEach
    void restoreEmulator() {
        emulator.start();
        emulator.failPublishes(503, 0);
        emulator.delayPublishAnswers(Duration.ZERO);
        emulator.clearRecordings();
    }

    ApplicationContextRunner runner(String... extra) {
        return StreamSeaPublishFixture.runner(port, this.storage).withPropertyValues(extra);
    }

    @Test
    void publishesWhileTheServerIsDownAreDeliveredInOrderOnceItIsBack() {
        emulator.close();
        runner().run((context) -> {
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            List<CompletableFuture<Void>> futures = publish(template, 0, 20);
            // Attempts failed (connection refused) and were retried; nothing was lost or completed.
            await().atMost(WAIT).until(() -> template.getDispatcher().stats().retries() >= 2);
            assertThat(futures).noneMatch(CompletableFuture::isDone);
            assertThat(template.getDispatcher().stats().queueSize()).isEqualTo(20);

            emulator.start();
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(seqs(emulator.acceptedPayloads("readings"))).containsExactlyElementsOf(range(0, 20));
            assertThat(template.getDispatcher().stats().queueSize()).isZero();
            assertThat(template.publishedMessages()).isEqualTo(20);
        });
    }

    @Test
    void serverErrorsAreRetriedInOrder() {
        emulator.failPublishes(503, 3);
        runner().run((context) -> {
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            List<CompletableFuture<Void>> futures = publish(template, 0, 10);
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(seqs(emulator.acceptedPayloads("readings"))).containsExactlyElementsOf(range(0, 10));
            assertThat(publishRequests("readings")).isEqualTo(13);
            assertThat(template.getDispatcher().stats().retries()).isEqualTo(3);
            assertThat(template.rejectedMessages()).isZero();
        });
    }

    @Test
    void aRefusedMessageFailsOnlyItsOwnFutureAndIsNotRetried() {
        runner().run((context) -> {
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            CompletableFuture<Void> first = template.publish("readings", Map.of("seq", 0));
            CompletableFuture<Void> invalid = template.publish("readings", Map.of("seq", "not a number"));
            CompletableFuture<Void> second = template.publish("readings", Map.of("seq", 2));
            CompletableFuture<Void> unknown = template.publish("nope", Map.of("seq", 3));
            CompletableFuture<Void> third = template.publish("readings", Map.of("seq", 4));

            assertThat(invalid).failsWithin(WAIT)
                .withThrowableOfType(ExecutionException.class)
                .havingCause()
                .isInstanceOf(StreamSeaPublishRejectedException.class)
                .havingCause()
                .isInstanceOfSatisfying(StreamSeaValidationException.class,
                        (ex) -> assertThat(ex.getErrors()).anySatisfy((e) -> assertThat(e).contains("payload.seq")));
            assertThat(unknown).failsWithin(WAIT)
                .withThrowableOfType(ExecutionException.class)
                .havingCause()
                .isInstanceOf(StreamSeaPublishRejectedException.class)
                .withCauseInstanceOf(StreamSeaNotFoundException.class);
            assertThat(List.of(first, second, third)).allSatisfy((f) -> assertThat(f).succeedsWithin(WAIT));

            assertThat(seqs(emulator.acceptedPayloads("readings"))).containsExactly(0, 2, 4);
            assertThat(publishRequests("readings")).isEqualTo(4);
            assertThat(publishRequests("nope")).as("a 404 is final").isEqualTo(1);
            assertThat(template.rejectedMessages()).isEqualTo(2);
            assertThat(context.getBean(StreamSeaHealthIndicator.class).health().getDetails())
                .containsEntry("sent", 3L)
                .containsEntry("failed", 2L)
                .containsEntry("queueSize", 0);
        });
    }

    @Test
    void aDurableQueueKeepsWhatWasNotSentForTheNextStart() {
        emulator.failPublishes(503, Integer.MAX_VALUE);
        List<CompletableFuture<Void>> firstRun = new ArrayList<>();
        runner("iot.stream-sea.queue.type=durable", "iot.shutdown.drain-timeout=200ms").run((context) -> {
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            firstRun.addAll(publish(template, 0, 5));
            await().atMost(WAIT).until(() -> template.getDispatcher().stats().retries() >= 1);
            assertThat(template.getDispatcher().stats().durable()).isTrue();
        });
        assertThat(firstRun).allSatisfy((f) -> assertThat(f).failsWithin(Duration.ZERO)
            .withThrowableOfType(ExecutionException.class)
            .havingCause()
            .isInstanceOf(DeliveryClosedException.class)
            .withMessageContaining("durable queue"));
        assertThat(emulator.acceptedPayloads("readings")).isEmpty();

        emulator.failPublishes(503, 0);
        runner("iot.stream-sea.queue.type=durable").run((context) -> {
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            await().atMost(WAIT).until(() -> emulator.acceptedPayloads("readings").size() >= 5);
            CompletableFuture<Void> next = template.publish("readings", Map.of("seq", 5));
            assertThat(next).succeedsWithin(WAIT);
            assertThat(seqs(emulator.acceptedPayloads("readings"))).containsExactlyElementsOf(range(0, 6));
        });
    }

    @Test
    void closingTheContextDrainsTheQueueWithinTheTimeout() {
        emulator.delayPublishAnswers(Duration.ofMillis(10));
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        int[] pendingAtClose = new int[1];
        runner("iot.shutdown.drain-timeout=20s").run((context) -> {
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            futures.addAll(publish(template, 0, 40));
            pendingAtClose[0] = template.pendingMessages();
        });
        assertThat(pendingAtClose[0]).as("messages were still queued when the context closed").isGreaterThan(10);
        // Closing returned only after the drain: every accepted message was acknowledged, in order.
        assertThat(futures).allSatisfy((f) -> assertThat(f).isCompleted().isNotCompletedExceptionally());
        assertThat(seqs(emulator.acceptedPayloads("readings"))).containsExactlyElementsOf(range(0, 40));
    }

    @Test
    void anInMemoryQueueLogsWhatItLostWhenTheDrainTimesOut(CapturedOutput output) {
        emulator.failPublishes(503, Integer.MAX_VALUE);
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        runner("iot.shutdown.drain-timeout=300ms").run((context) -> {
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            futures.addAll(publish(template, 0, 3));
            await().atMost(WAIT).until(() -> template.getDispatcher().stats().retries() >= 1);
        });
        assertThat(futures).allSatisfy((f) -> assertThat(f).failsWithin(Duration.ZERO)
            .withThrowableOfType(ExecutionException.class)
            .havingCause()
            .isInstanceOf(DeliveryClosedException.class));
        assertThat(output).contains("Lost 3 messages for streamsea");
    }

    @Test
    void aFullQueueThrowsAtOnceAndKeepsWhatItAccepted() {
        emulator.failPublishes(503, Integer.MAX_VALUE);
        runner("iot.stream-sea.queue.max-size=2", "iot.stream-sea.queue.overflow=raise-exception").run((context) -> {
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            // Two places, plus the one being sent while it is in flight: the third or fourth publish is refused.
            List<CompletableFuture<Void>> accepted = new ArrayList<>();
            QueueFullException refused = null;
            for (int seq = 0; seq < 5 && refused == null; seq++) {
                try {
                    accepted.add(template.publish("readings", Map.of("seq", seq)));
                }
                catch (QueueFullException ex) {
                    refused = ex;
                }
            }
            assertThat(refused).as("a publish into the full queue throws").isNotNull();
            assertThat(accepted).hasSizeBetween(2, 3).noneMatch(CompletableFuture::isDone);

            emulator.failPublishes(503, 0);
            assertThat(template.flush(WAIT)).isTrue();
            assertThat(accepted).allSatisfy((f) -> assertThat(f).succeedsWithin(WAIT));
            // What was accepted arrives in order; the refused publish never reaches the server.
            assertThat(seqs(emulator.acceptedPayloads("readings"))).containsExactlyElementsOf(range(0, accepted.size()));
        });
    }

    @Test
    void anInvalidArgumentThrowsAtOnceNamingTheField() {
        runner().run((context) -> {
            StreamSeaOperations operations = context.getBean(StreamSeaOperations.class);
            assertThatThrownBy(() -> operations.publish(" ", Map.of("seq", 1)))
                .isInstanceOfSatisfying(StreamSeaArgumentException.class,
                        (ex) -> assertThat(ex.getField()).isEqualTo("stream"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stream");
            // An object Jackson cannot write (its getter fails): refused before it is queued.
            assertThatThrownBy(() -> operations.publish("readings", new Unwritable()))
                .isInstanceOfSatisfying(StreamSeaArgumentException.class,
                        (ex) -> assertThat(ex.getField()).isEqualTo("payload"));
            assertThatThrownBy(() -> operations.subscribe("readings", null, JsonNode.class))
                .isInstanceOfSatisfying(StreamSeaArgumentException.class,
                        (ex) -> assertThat(ex.getField()).isEqualTo("groupId"));
            assertThat(operations.pendingMessages()).isZero();
            assertThat(publishRequests("readings")).isZero();
        });
    }

    @Test
    void aPublishAfterTheDrainStartedFailsClearly() {
        emulator.failPublishes(503, Integer.MAX_VALUE);
        runner().run((context) -> {
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            Dispatcher dispatcher = context.getBean("streamSeaDispatcher", Dispatcher.class);
            assertThat(dispatcher).isSameAs(template.getDispatcher());
            CompletableFuture<Void> early = template.publish("readings", Map.of("seq", 1));
            await().atMost(WAIT).until(() -> dispatcher.stats().retries() >= 1);

            CountDownLatch drained = new CountDownLatch(1);
            dispatcher.stop(drained::countDown);
            assertThat(dispatcher.getState()).isEqualTo(Dispatcher.State.DRAINING);
            // Thrown at once, nothing queued: the caller's error, not a delivery outcome.
            assertThatThrownBy(() -> template.publish("readings", Map.of("seq", 2)))
                .isInstanceOf(DeliveryClosedException.class)
                .hasMessageContaining("streamsea client is stopped").hasMessageContaining("shutting down");
            assertThat(template.pendingMessages()).isEqualTo(1);

            // The drain still delivers what was accepted before it started.
            emulator.failPublishes(503, 0);
            assertThat(drained.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(early).isCompleted().isNotCompletedExceptionally();
            assertThat(seqs(emulator.acceptedPayloads("readings"))).containsExactly(1);
        });
    }

    private static List<CompletableFuture<Void>> publish(StreamSeaTemplate template, int from, int to) {
        return StreamSeaPublishFixture.publish(template, "readings", from, to);
    }

    private static long publishRequests(String stream) {
        return emulator.httpRequests()
            .stream()
            .filter((r) -> r.path().equals("/api/v1/streams/" + stream + "/publish"))
            .count();
    }

    /** A payload Jackson cannot write. */
    static final class Unwritable {

        public int getSeq() {
            throw new IllegalStateException("no sequence yet");
        }
    }
}
