package dev.iotspring.core.delivery;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueueFullException;
import dev.iotspring.core.queue.QueueOrder;
import dev.iotspring.core.queue.QueueScenarios;

import static dev.iotspring.core.queue.QueueScenarios.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@ExtendWith(OutputCaptureExtension.class)
class DispatcherTests {

    /** Room for a loaded machine: every wait ends as soon as its condition holds. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private static final RetryBackoff FAST = new RetryBackoff(Duration.ofMillis(10), Duration.ofMillis(50), 2, 0);

    private final TestSender sender = new TestSender();

    private final RecordingListener listener = new RecordingListener();

    private Dispatcher dispatcher;

    @AfterEach
    void stop() {
        if (this.dispatcher != null) {
            this.sender.stopAcknowledgingAll(this.dispatcher);
        }
    }

    private Dispatcher dispatcher(InMemoryQueue queue, int window, Duration drainTimeout) {
        this.dispatcher = Dispatcher.builder("test", queue, this.sender).window(window).backoff(FAST)
                .drainTimeout(drainTimeout).listener(this.listener).build();
        return this.dispatcher;
    }

    @Test
    void messageLeavesTheQueueOnlyOnAck() throws Exception {
        InMemoryQueue queue = InMemoryQueue.fifo();
        Dispatcher d = dispatcher(queue, 10, Duration.ofSeconds(1));
        d.start();
        d.send(message(0));
        TestSender.Pending sent = this.sender.next();
        assertThat(queue.size()).isEqualTo(1);
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(d.stats().inFlight()).isEqualTo(1));
        assertThat(this.listener.acked()).isEmpty();
        sent.ack();
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(this.listener.acked()).containsExactly("0"));
        assertThat(queue.size()).isZero();
        assertThat(d.stats().sent()).isEqualTo(1);
        assertThat(d.stats().lastAck()).isNotNull();
    }

    @Test
    void failedMessageAndEverythingSentAfterItGoBackSoOrderHolds() throws Exception {
        InMemoryQueue queue = InMemoryQueue.fifo();
        Dispatcher d = dispatcher(queue, 5, Duration.ofSeconds(1));
        d.sendAll(IntStream.range(0, 20).mapToObj(QueueScenarios::message).toList());
        d.start();
        List<TestSender.Pending> firstWindow = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            firstWindow.add(this.sender.next());
        }
        assertThat(firstWindow).extracting(TestSender.Pending::id).containsExactly("0", "1", "2", "3", "4");
        firstWindow.get(0).ack();
        firstWindow.get(1).fail(new IOException("connection lost"));
        // Late outcomes of messages already requeued must not change anything.
        firstWindow.get(3).ack();
        firstWindow.get(2).fail(new IOException("connection lost"));
        firstWindow.get(4).ack(); // stale too: 4 was requeued with 2 and 3
        // Everything sent from now on is acknowledged as it comes.
        await().atMost(PATIENCE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
            TestSender.Pending p;
            while ((p = this.sender.pending.poll()) != null) {
                p.ack();
            }
            return this.listener.acked().size() == 20;
        });
        List<String> attempts = this.sender.attempts();
        int retryStart = attempts.lastIndexOf("1");
        assertThat(attempts.subList(retryStart, attempts.size())).as("resent from the failed message on, in order")
                .containsExactlyElementsOf(IntStream.range(1, 20).mapToObj(Integer::toString).toList());
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(this.listener.acked()).hasSize(20));
        assertThat(this.listener.acked()).containsExactlyElementsOf(
                IntStream.range(0, 20).mapToObj(Integer::toString).toList());
        assertThat(queue.size()).isZero();
        assertThat(d.stats().retries()).isEqualTo(1);
        assertThat(d.stats().sent()).isEqualTo(20);
    }

    @Test
    void windowIsNeverExceededAndOrderIsKeptUnderConcurrentAcks() throws Exception {
        ScheduledExecutorService acker = Executors.newScheduledThreadPool(3);
        try {
            MessageSender randomAcks = new MessageSender() {
                @Override
                public java.util.concurrent.CompletableFuture<Void> send(OutboundMessage message) {
                    var future = DispatcherTests.this.sender.send(message);
                    var pending = DispatcherTests.this.sender.pending.poll();
                    acker.schedule(pending::ack, ThreadLocalRandom.current().nextInt(0, 3), TimeUnit.MILLISECONDS);
                    return future;
                }

                @Override
                public boolean isReady() {
                    return true;
                }
            };
            InMemoryQueue queue = InMemoryQueue.fifo();
            this.dispatcher = Dispatcher.builder("test", queue, randomAcks).window(4).backoff(FAST)
                    .listener(this.listener).build();
            this.dispatcher.start();
            for (int i = 0; i < 500; i++) {
                this.dispatcher.send(message(i));
            }
            await().atMost(PATIENCE).until(() -> this.listener.acked().size() == 500);
            assertThat(this.sender.maxOutstanding.get()).isLessThanOrEqualTo(4).isGreaterThan(1);
            assertThat(this.sender.attempts()).containsExactlyElementsOf(
                    IntStream.range(0, 500).mapToObj(Integer::toString).toList());
        }
        finally {
            acker.shutdownNow();
        }
    }

    @Test
    void messagesSentIntoAFullWindowGoOutAsSlotsFreeWithoutTheReadinessRecheck() throws Exception {
        // A send into a full window does not wake the dispatcher; the outcome that frees a slot must. The
        // readiness re-check (the safety net) is an hour here, so a lost wake-up would fail the 30 s wait.
        InMemoryQueue queue = InMemoryQueue.fifo();
        this.dispatcher = Dispatcher.builder("test", queue, this.sender).window(1).backoff(FAST)
                .readinessRecheck(Duration.ofHours(1)).listener(this.listener).build();
        this.dispatcher.start();
        this.dispatcher.send(message(0));
        TestSender.Pending first = this.sender.next();
        await().atMost(PATIENCE).until(() -> this.dispatcher.stats().inFlight() == 1);
        this.dispatcher.send(message(1));
        this.dispatcher.send(message(2));
        first.ack();
        TestSender.Pending second = this.sender.next();
        assertThat(second.id()).isEqualTo("1");
        second.ack();
        assertThat(this.sender.next().id()).isEqualTo("2");
    }

    @Test
    void waitsWhileTheSenderIsNotReadyAndSendsOnWakeUp() throws Exception {
        this.sender.ready = false;
        InMemoryQueue queue = InMemoryQueue.fifo();
        // A long re-check interval: only wakeUp() can make it send within the test's patience.
        this.dispatcher = Dispatcher.builder("test", queue, this.sender).readinessRecheck(Duration.ofMinutes(5))
                .listener(this.listener).build();
        this.dispatcher.start();
        int checks = this.sender.readyChecks.get();
        this.dispatcher.send(message(0));
        // The send woke the dispatcher; it found the sender not ready and sent nothing.
        await().atMost(PATIENCE).until(() -> this.sender.readyChecks.get() > checks);
        assertThat(this.sender.attempts()).isEmpty();
        this.sender.ready = true;
        this.dispatcher.wakeUp();
        this.sender.next().ack();
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(this.listener.acked()).containsExactly("0"));
    }

    @Test
    void backoffAfterAFailureEndsWhenTheSenderIsReadyAgain() throws Exception {
        InMemoryQueue queue = InMemoryQueue.fifo();
        RetryBackoff slow = new RetryBackoff(Duration.ofMinutes(10), Duration.ofMinutes(10), 2, 0);
        this.dispatcher = Dispatcher.builder("test", queue, this.sender).backoff(slow)
                .readinessRecheck(Duration.ofMinutes(5)).listener(this.listener).build();
        this.dispatcher.start();
        this.dispatcher.send(message(0));
        TestSender.Pending first = this.sender.next();
        this.sender.ready = false; // the connection dropped...
        first.fail(new IOException("connection lost")); // ...and took the in-flight message with it
        await().atMost(PATIENCE).until(() -> this.dispatcher.stats().retries() == 1);
        int checks = this.sender.readyChecks.get();
        this.dispatcher.send(message(1));
        await().atMost(PATIENCE).until(() -> this.sender.readyChecks.get() > checks);
        assertThat(this.sender.attempts()).as("nothing sent while down").containsExactly("0");
        this.sender.ready = true; // reconnected: the platform's connection listener wakes the dispatcher
        this.dispatcher.wakeUp();
        TestSender.Pending retry = this.sender.next();
        assertThat(retry.id()).isEqualTo("0");
        retry.ack();
        this.sender.next().ack();
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(this.listener.acked()).containsExactly("0", "1"));
    }

    @Test
    void aSenderThatThrowsFromIsReadyDoesNotEndDelivery() throws Exception {
        InMemoryQueue queue = InMemoryQueue.fifo();
        java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean(true);
        MessageSender flaky = new MessageSender() {
            @Override
            public java.util.concurrent.CompletableFuture<Void> send(OutboundMessage message) {
                return DispatcherTests.this.sender.send(message);
            }

            @Override
            public boolean isReady() {
                if (broken.get()) {
                    throw new IllegalStateException("client not created yet");
                }
                return true;
            }
        };
        this.dispatcher = Dispatcher.builder("test", queue, flaky).readinessRecheck(Duration.ofMillis(20))
                .listener(this.listener).build();
        this.dispatcher.start();
        this.dispatcher.send(message(0));
        broken.set(false);
        this.dispatcher.wakeUp();
        this.sender.next().ack();
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(this.listener.acked()).containsExactly("0"));
    }

    @Test
    void rejectedMessageIsReportedFailedAndTheRestGoesOn() throws Exception {
        InMemoryQueue queue = InMemoryQueue.fifo();
        Dispatcher d = dispatcher(queue, 1, Duration.ofSeconds(1));
        d.start();
        d.sendAll(List.of(message(0), message(1)));
        this.sender.next().fail(new MessageRejectedException("payload too large"));
        this.sender.next().ack();
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(this.listener.acked()).containsExactly("1"));
        assertThat(this.listener.failed()).containsExactly("0:MessageRejectedException");
        assertThat(d.stats().failed()).isEqualTo(1);
        assertThat(queue.size()).isZero();
    }

    @Test
    void senderThrowingSynchronouslyIsRetriedInOrder() throws Exception {
        InMemoryQueue queue = InMemoryQueue.fifo();
        int[] calls = { 0 };
        MessageSender flaky = new MessageSender() {
            @Override
            public java.util.concurrent.CompletableFuture<Void> send(OutboundMessage message) {
                if (calls[0]++ == 0) {
                    throw new IllegalStateException("not connected");
                }
                return DispatcherTests.this.sender.send(message);
            }

            @Override
            public boolean isReady() {
                return true;
            }
        };
        this.dispatcher = Dispatcher.builder("test", queue, flaky).backoff(FAST).listener(this.listener).build();
        this.dispatcher.sendAll(List.of(message(0), message(1), message(2)));
        this.dispatcher.start();
        for (int i = 0; i < 3; i++) {
            this.sender.next().ack();
        }
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(this.listener.acked()).containsExactly("0", "1", "2"));
        assertThat(this.sender.attempts()).containsExactly("0", "1", "2");
    }

    @Test
    void drainDeliversWhatIsQueuedThenRejectsSends(CapturedOutput output) throws Exception {
        InMemoryQueue queue = InMemoryQueue.fifo();
        Dispatcher d = dispatcher(queue, 10, Duration.ofSeconds(10));
        d.start();
        d.sendAll(List.of(message(0), message(1)));
        TestSender.Pending first = this.sender.next();
        CountDownLatch stopped = new CountDownLatch(1);
        d.stop(stopped::countDown);
        assertThat(d.getState()).isEqualTo(Dispatcher.State.DRAINING);
        assertThat(d.isRunning()).isTrue();
        assertThatThrownBy(() -> d.send(message(2))).isInstanceOf(DeliveryClosedException.class)
                .hasMessageContaining("test").hasMessageContaining("message 2");
        first.ack();
        this.sender.next().ack();
        assertThat(stopped.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(this.listener.acked()).containsExactly("0", "1");
        assertThat(d.isRunning()).isFalse();
        assertThatThrownBy(() -> d.send(message(3))).isInstanceOf(DeliveryClosedException.class);
        assertThat(output).doesNotContain("Lost");
    }

    @Test
    void drainEndsAtItsTimeoutAndAnInMemoryQueueLogsWhatItLost(CapturedOutput output) throws Exception {
        InMemoryQueue queue = new InMemoryQueue(QueueOrder.FIFO, 0, OverflowStrategy.RAISE_EXCEPTION);
        Dispatcher d = dispatcher(queue, 2, Duration.ofMillis(300));
        d.start();
        d.sendAll(IntStream.range(0, 5).mapToObj(QueueScenarios::message).toList());
        this.sender.next().ack(); // 0 delivered; 1 and 2 never acknowledged, 3 and 4 never sent
        this.sender.next();
        CountDownLatch stopped = new CountDownLatch(1);
        d.stop(stopped::countDown);
        // Nothing is acknowledged any more: only the drain timeout can end the drain.
        assertThat(stopped.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(d.getState()).isEqualTo(Dispatcher.State.STOPPED);
        assertThat(output).contains("Lost 4 messages for test");
        assertThat(this.listener.failed()).containsExactly("1:DeliveryClosedException", "2:DeliveryClosedException",
                "3:DeliveryClosedException", "4:DeliveryClosedException");
        assertThat(d.stats().lost()).isEqualTo(4);
        assertThat(queue.size()).isZero();
    }

    @Test
    void aBlockingStopDuringADrainSomeoneElseStartedWaitsForItsEnd() throws Exception {
        // Spring's lifecycle processor may stop waiting on a drain (its phase timeout) and destroy the beans:
        // the owner's blocking stop must not return while the dispatcher can still send.
        InMemoryQueue queue = InMemoryQueue.fifo();
        Dispatcher d = dispatcher(queue, 1, PATIENCE);
        d.start();
        d.sendAll(List.of(message(0), message(1)));
        TestSender.Pending first = this.sender.next();
        d.stop(() -> {
        }); // the lifecycle processor's callback, given up on
        assertThat(d.getState()).isEqualTo(Dispatcher.State.DRAINING);
        CompletableFuture<Void> acks = CompletableFuture.runAsync(() -> {
            first.ack();
            try {
                this.sender.next().ack();
            }
            catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
        });
        d.stop();
        assertThat(d.getState()).isEqualTo(Dispatcher.State.STOPPED);
        assertThat(this.listener.acked()).containsExactly("0", "1");
        assertThat(acks).succeedsWithin(PATIENCE);
    }

    @Test
    void stopBeforeStartAccountsForAnUnsentInMemoryQueue(CapturedOutput output) {
        InMemoryQueue queue = InMemoryQueue.fifo();
        Dispatcher d = dispatcher(queue, 2, Duration.ofMillis(100));
        d.send(message(0));
        d.stop();
        assertThat(output).contains("Lost 1 messages for test");
        assertThatThrownBy(() -> d.send(message(1))).isInstanceOf(DeliveryClosedException.class);
    }

    @Test
    void droppedMessagesAreReportedToListeners() {
        InMemoryQueue queue = new InMemoryQueue(QueueOrder.FIFO, 1, OverflowStrategy.DROP_OLDEST);
        Dispatcher d = dispatcher(queue, 2, Duration.ofMillis(100));
        d.send(message(0));
        d.send(message(1));
        assertThat(this.listener.dropped()).containsExactly("0");
        assertThat(d.stats().dropped()).isEqualTo(1);
    }

    @Test
    void sendAsyncCompletesOnAckAndFailsWithTypedExceptions() throws Exception {
        InMemoryQueue queue = new InMemoryQueue(QueueOrder.FIFO, 2, OverflowStrategy.DROP_OLDEST);
        Dispatcher d = dispatcher(queue, 1, Duration.ofSeconds(1));
        var first = d.sendAsync(message(0));
        var second = d.sendAsync(message(1));
        var third = d.sendAsync(message(2)); // full: 0 is dropped to make room
        assertThat(first).isCompletedExceptionally();
        assertThatThrownBy(first::join).hasCauseInstanceOf(MessageDroppedException.class)
                .hasMessageContaining("overflow");
        d.start();
        TestSender.Pending p1 = this.sender.next();
        assertThat(second).isNotDone();
        p1.ack();
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(second).isCompleted());
        this.sender.next().fail(new MessageRejectedException("too large"));
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(third).isCompletedExceptionally());
        assertThatThrownBy(third::join).hasCauseInstanceOf(MessageRejectedException.class);
    }

    @Test
    void sendAsyncNeverThrows() {
        InMemoryQueue queue = new InMemoryQueue(QueueOrder.FIFO, 1, OverflowStrategy.RAISE_EXCEPTION);
        Dispatcher d = dispatcher(queue, 1, Duration.ofMillis(100));
        d.sendAsync(message(0));
        assertThatThrownBy(d.sendAsync(message(1))::join).hasCauseInstanceOf(QueueFullException.class);
        d.stop();
        assertThatThrownBy(d.sendAsync(message(2))::join).hasCauseInstanceOf(DeliveryClosedException.class);
    }

    @Test
    void expiredMessagesAreDiscardedInsteadOfSentLate() throws Exception {
        InMemoryQueue queue = InMemoryQueue.fifo();
        Dispatcher d = dispatcher(queue, 10, Duration.ofSeconds(1));
        var stale = d.sendAsync(message(0).withExpiry(java.time.Instant.now().minusSeconds(1)));
        var fresh = d.sendAsync(message(1).withExpiry(java.time.Instant.now().plusSeconds(3600)));
        d.start();
        TestSender.Pending sent = this.sender.next();
        assertThat(sent.id()).isEqualTo("1");
        sent.ack();
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(fresh).isCompleted());
        assertThatThrownBy(stale::join).hasCauseInstanceOf(MessageDroppedException.class)
                .hasMessageContaining("expired");
        assertThat(d.stats().expired()).isEqualTo(1);
        assertThat(d.droppedCount()).isEqualTo(1);
        assertThat(this.sender.attempts()).containsExactly("1");
    }

    @Test
    void awaitDrainedReturnsOnceEverythingWasAcknowledged() throws Exception {
        InMemoryQueue queue = InMemoryQueue.fifo();
        Dispatcher d = dispatcher(queue, 10, Duration.ofSeconds(1));
        d.start();
        d.sendAll(List.of(message(0), message(1)));
        assertThat(d.awaitDrained(Duration.ofMillis(50))).isFalse();
        this.sender.next().ack();
        this.sender.next().ack();
        assertThat(d.awaitDrained(Duration.ofSeconds(5))).isTrue();
        assertThat(queue.size()).isZero();
    }

    static final class RecordingListener implements DeliveryListener {

        private final List<String> acked = Collections.synchronizedList(new ArrayList<>());

        private final List<String> failed = Collections.synchronizedList(new ArrayList<>());

        private final List<String> dropped = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onAcked(OutboundMessage message) {
            this.acked.add(message.id());
        }

        @Override
        public void onFailed(OutboundMessage message, Throwable cause) {
            this.failed.add(message.id() + ":" + cause.getClass().getSimpleName());
        }

        @Override
        public void onDropped(OutboundMessage message) {
            this.dropped.add(message.id());
        }

        List<String> acked() {
            synchronized (this.acked) {
                return new ArrayList<>(this.acked);
            }
        }

        List<String> failed() {
            synchronized (this.failed) {
                return new ArrayList<>(this.failed);
            }
        }

        List<String> dropped() {
            synchronized (this.dropped) {
                return new ArrayList<>(this.dropped);
            }
        }
    }
}
