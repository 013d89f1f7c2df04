package dev.iotspring.core.delivery;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueueFullException;
import dev.iotspring.core.queue.QueueOrder;

import static dev.iotspring.core.queue.QueueScenarios.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link Dispatcher#acceptAsync}: what kept a message out of the queue is thrown to the caller; what happens to it
 * afterwards fails its future.
 */
class DispatcherAcceptAsyncTests {

    private final TestSender sender = new TestSender();

    @Test
    void aFullQueueThrowsAtOnceAndQueuesNothing() {
        InMemoryQueue queue = new InMemoryQueue(QueueOrder.FIFO, 1, OverflowStrategy.RAISE_EXCEPTION);
        Dispatcher dispatcher = Dispatcher.builder("test", queue, this.sender).build();
        CompletableFuture<Void> first = dispatcher.acceptAsync(message(0));
        assertThatExceptionOfType(QueueFullException.class).isThrownBy(() -> dispatcher.acceptAsync(message(1)));
        assertThat(queue.size()).isEqualTo(1);
        assertThat(first).isNotDone();
    }

    @Test
    void aDroppedMessageFailsItsFutureInstead() {
        InMemoryQueue queue = new InMemoryQueue(QueueOrder.FIFO, 1, OverflowStrategy.DROP_OLDEST);
        Dispatcher dispatcher = Dispatcher.builder("test", queue, this.sender).build();
        CompletableFuture<Void> first = dispatcher.acceptAsync(message(0));
        CompletableFuture<Void> second = dispatcher.acceptAsync(message(1));
        assertThat(first).failsWithin(Duration.ofSeconds(30))
            .withThrowableOfType(ExecutionException.class)
            .withCauseInstanceOf(MessageDroppedException.class);
        assertThat(second).isNotDone();
    }

    @Test
    void aStoppedDispatcherThrowsAtOnce() throws Exception {
        InMemoryQueue queue = InMemoryQueue.fifo();
        Dispatcher dispatcher = Dispatcher.builder("test", queue, this.sender).drainTimeout(Duration.ZERO).build();
        dispatcher.start();
        CountDownLatch stopped = new CountDownLatch(1);
        dispatcher.stop(stopped::countDown);
        assertThat(stopped.await(30, TimeUnit.SECONDS)).isTrue();
        assertThatExceptionOfType(DeliveryClosedException.class).isThrownBy(() -> dispatcher.acceptAsync(message(0)));
        assertThat(queue.size()).isZero();
    }

    /**
     * The future completes with the caller's result of the acknowledged message; the same id sent again with
     * another result function gets its own result once the first of them is acknowledged.
     */
    @Test
    void theFutureCompletesWithTheCallersResultOfTheAcknowledgedMessage() throws Exception {
        Dispatcher dispatcher = Dispatcher.builder("test", InMemoryQueue.fifo(), this.sender).build();
        java.util.function.Function<OutboundMessage, String> describe = (m) -> m.id() + "@" + m.destination();
        CompletableFuture<String> first = dispatcher.acceptAsync(message(7), describe);
        CompletableFuture<Integer> again = dispatcher.acceptAsync(message(7), (m) -> m.payload().length);
        dispatcher.start();
        try {
            this.sender.next().ack();
            this.sender.next().ack(); // queued twice under one id
            assertThat(first).succeedsWithin(Duration.ofSeconds(30)).isEqualTo("7@topic");
            assertThat(again).succeedsWithin(Duration.ofSeconds(30)).isEqualTo(1);
        }
        finally {
            dispatcher.stop();
        }
    }
}
