package dev.iotspring.core.queue;

import java.io.UncheckedIOException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A queue opened beside the startup: the constructor returns before the queue is open, an offer made meanwhile
 * waits for it and is then in the queue, listeners registered early hear drops, and a failed opening fails every
 * operation with its cause.
 */
@ExtendWith(OutputCaptureExtension.class)
class DeferredOutboundQueueTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void offerMadeWhileOpeningWaitsAndLandsInTheQueue() throws Exception {
        CountDownLatch mayOpen = new CountDownLatch(1);
        InMemoryQueue target = new InMemoryQueue(QueueOrder.FIFO, 1, OverflowStrategy.DROP_OLDEST);
        DeferredOutboundQueue queue = new DeferredOutboundQueue("test-events", true, () -> {
            awaitQuietly(mayOpen);
            return target;
        });
        List<String> dropped = new CopyOnWriteArrayList<>();
        queue.addDropListener((message) -> dropped.add(message.id()));
        assertThat(queue.isOpened()).isFalse();
        assertThat(queue.isDurable()).isTrue();

        CompletableFuture<Void> offered = CompletableFuture.runAsync(() -> queue.offer(OutboundMessage.of("a", "t",
                new byte[1])));
        assertThat(offered).isNotDone();
        mayOpen.countDown();
        offered.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        assertThat(target.size()).isEqualTo(1);
        queue.offer(OutboundMessage.of("b", "t", new byte[1]));
        assertThat(dropped).containsExactly("a");
        assertThat(queue.poll(10)).extracting((q) -> q.message().id()).containsExactly("b");
    }

    @Test
    void failedOpeningFailsEveryOfferWithItsCauseAndReadsAsEmpty(CapturedOutput output) {
        DeferredOutboundQueue queue = new DeferredOutboundQueue("broken", true, () -> {
            throw new UncheckedIOException("Cannot create the storage directory /nowhere", new IOException("denied"));
        });
        await().atMost(TIMEOUT).until(queue::isOpened);

        assertThatThrownBy(() -> queue.offer(OutboundMessage.of("a", "t", new byte[1])))
            .isInstanceOf(UncheckedIOException.class)
            .hasMessageContaining("/nowhere");
        assertThatThrownBy(() -> queue.offerAll(List.of(OutboundMessage.of("b", "t", new byte[1]))))
            .isInstanceOf(UncheckedIOException.class);
        // Nothing of it can be reached: health, meters and the drain at shutdown see an empty queue, not a failure.
        assertThat(queue.size()).isZero();
        assertThat(queue.poll(10)).isEmpty();
        assertThat(queue.droppedCount()).isZero();
        queue.close(); // nothing was opened: nothing to close, no exception
        assertThat(output.getAll()).contains("ERROR").contains("Could not open the broken queue");
    }

    @Test
    void anOpeningThatFailsBecauseTheApplicationStopsLogsNoError(CapturedOutput output) {
        DeferredOutboundQueue queue = new DeferredOutboundQueue("stopping", true, () -> {
            throw new IllegalStateException("The IoT stores are closed (the application is stopping)");
        }, () -> true);
        await().atMost(TIMEOUT).until(queue::isOpened);
        assertThatThrownBy(() -> queue.offer(OutboundMessage.of("a", "t", new byte[1])))
            .hasMessageContaining("stopping");
        assertThat(output.getAll()).doesNotContain("ERROR").doesNotContain("Could not open");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
