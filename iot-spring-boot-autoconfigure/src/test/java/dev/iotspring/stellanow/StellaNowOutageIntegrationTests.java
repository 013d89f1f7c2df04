package dev.iotspring.stellanow;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.test.stellanow.StellaNowEmulator;
import dev.iotspring.test.stellanow.StellaNowEmulator.ReceivedEvent;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static dev.iotspring.stellanow.SharedEmulator.clientId;
import static dev.iotspring.stellanow.SharedEmulator.numbered;
import static dev.iotspring.stellanow.SharedEmulator.runner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Broker outages with the auto-configured template (spec §7 behaviour 6): a stop/restart in the middle of
 * 10,000 events, and a durable queue that outlives its application context.
 */
@ExtendWith(OutputCaptureExtension.class)
class StellaNowOutageIntegrationTests {

    static StellaNowEmulator emulator;

    @BeforeAll
    static void emulator() {
        emulator = SharedEmulator.get();
    }

    @BeforeEach
    void reset() {
        SharedEmulator.reset();
    }

    /** Numbers in the order the broker first saw them, and how many PUBLISH packets arrived in all. */
    static List<Integer> firstArrivals(List<ReceivedEvent> events) {
        Set<Integer> seen = new HashSet<>();
        List<Integer> order = new ArrayList<>();
        for (ReceivedEvent event : events) {
            int n = event.payload().get("n").asInt();
            if (seen.add(n)) {
                order.add(n);
            }
        }
        return order;
    }

    @Test
    void brokerRestartInTheMiddleOfTenThousandEventsLosesNothingAndKeepsOrder() throws Exception {
        int total = 10_000;
        runner("iot.shutdown.drain-timeout=10s").run((context) -> {
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            String clientId = clientId(context);
            await().atMost(Duration.ofSeconds(30)).until(template::isConnected);
            List<CompletableFuture<SendResult>> futures = new ArrayList<>(total);
            for (int i = 0; i < total / 2; i++) {
                futures.add(template.send(numbered(i)));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> template.stats().sent() >= 2_000);

            emulator.broker().stop();
            for (int i = total / 2; i < total; i++) {
                futures.add(template.send(numbered(i)));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> !template.isConnected());
            // Nothing unacknowledged left the queue: every accepted event is either acknowledged or pending.
            assertThat(template.stats().sent() + template.pendingMessages()).isEqualTo(total);
            assertThat(template.pendingMessages()).isGreaterThanOrEqualTo(total / 2);
            emulator.broker().start();

            assertThat(template.flush(Duration.ofSeconds(60))).isTrue();
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            List<ReceivedEvent> events = emulator.events()
                .stream()
                .filter((e) -> e.publish().clientId().equals(clientId))
                .toList();
            // Every event reached the broker (recordings survive its restart), first arrivals in send order;
            // duplicates are the unacknowledged window sent again after the reconnect (at least once).
            List<Integer> order = firstArrivals(events);
            assertThat(order).hasSize(total).isSorted();
            assertThat(events.size() - total).as("duplicates").isLessThanOrEqualTo(100);
            assertThat(template.stats().sent()).isEqualTo(total);
            assertThat(template.droppedMessages()).isZero();
            assertThat(futures).allSatisfy((f) -> assertThat(f).isCompleted());
        });
    }

    @Test
    void aBrokerThatRefusesPublishesLosesNothingAndDeliversInOrderOnceItAccepts() {
        runner().run((context) -> {
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            String clientId = clientId(context);
            await().atMost(Duration.ofSeconds(30)).until(template::isConnected);
            emulator.refusePublishes(true);
            List<CompletableFuture<SendResult>> futures = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                futures.add(template.send(numbered(i)));
            }
            // Each refusal closes the connection (3.1.1 has no negative PUBACK); the client reconnects and retries.
            await().atMost(Duration.ofSeconds(30))
                .until(() -> emulator.connects().stream().filter((c) -> c.clientId().equals(clientId)).count() >= 3);
            assertThat(template.pendingMessages()).isEqualTo(3);
            assertThat(futures).noneMatch(CompletableFuture::isDone);
            assertThat(template.stats().sent()).isZero();

            emulator.refusePublishes(false);

            assertThat(template.flush(Duration.ofSeconds(30))).isTrue();
            assertThat(futures).allSatisfy((f) -> assertThat(f).isCompleted());
            List<ReceivedEvent> events = emulator.events()
                .stream()
                .filter((e) -> e.publish().clientId().equals(clientId))
                .toList();
            assertThat(firstArrivals(events)).containsExactly(0, 1, 2);
            assertThat(template.droppedMessages()).isZero();
        });
    }

    @Test
    void durableQueueKeepsWhatContextOneCouldNotSendForContextTwo(@TempDir Path storage, CapturedOutput output) {
        emulator.broker().refuseConnects(true);
        String[] properties = { "iot.stellanow.queue.type=durable", "iot.storage.directory=" + storage,
                "iot.shutdown.drain-timeout=200ms" };
        runner(properties).run((context) -> {
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            for (int i = 0; i < 100; i++) {
                template.send(numbered(i));
            }
            assertThat(template.pendingMessages()).isEqualTo(100);
        });
        assertThat(output).contains("100 messages for stellanow were not sent before shutdown");
        assertThat(emulator.events()).isEmpty();

        emulator.broker().refuseConnects(false);
        runner(properties).run((context) -> {
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            assertThat(template.flush(Duration.ofSeconds(30))).isTrue();
            List<ReceivedEvent> events = emulator.events()
                .stream()
                .filter((e) -> e.publish().clientId().equals(clientId(context)))
                .toList();
            assertThat(events).extracting((e) -> e.payload().get("n").asInt())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 100).boxed().toList());
        });
    }
}
