package dev.iotspring.core.delivery;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OutboundMessage;

import static dev.iotspring.core.queue.QueueScenarios.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dispatcher's turn taken by the thread that queues a message or reports an outcome (in-memory queue): no
 * hand-off to the dispatcher's thread in the plain running case, order and the window kept with many threads
 * taking turns, no work lost when a thread finds the turn taken. The readiness re-check (the dispatcher's safety
 * net) is an hour in every test, so a lost wake-up fails the wait instead of being covered up.
 */
class DispatcherInlineTurnTests {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private static final RetryBackoff FAST = new RetryBackoff(Duration.ofMillis(10), Duration.ofMillis(50), 2, 0);

    private final TestSender sender = new TestSender();

    private final DispatcherTests.RecordingListener listener = new DispatcherTests.RecordingListener();

    private Dispatcher dispatcher;

    @AfterEach
    void stop() {
        if (this.dispatcher != null) {
            this.sender.stopAcknowledgingAll(this.dispatcher);
        }
    }

    @Test
    void aSendGoesOutOnTheCallersThreadAndAnAckSettlesOnTheThreadThatReportsIt() throws Exception {
        List<String> sendingThreads = Collections.synchronizedList(new ArrayList<>());
        MessageSender recording = new MessageSender() {
            @Override
            public CompletableFuture<Void> send(OutboundMessage message) {
                sendingThreads.add(Thread.currentThread().getName());
                return DispatcherInlineTurnTests.this.sender.send(message);
            }

            @Override
            public boolean isReady() {
                return true;
            }
        };
        AtomicReference<String> ackedOn = new AtomicReference<>();
        startParked(recording, ackedOn);

        CompletableFuture<Void> acknowledged = this.dispatcher.sendAsync(message(0));
        assertThat(sendingThreads).as("handed to the sender before send returned, by the caller")
                .containsExactly(Thread.currentThread().getName());
        AtomicReference<String> completedOn = new AtomicReference<>();
        acknowledged.whenComplete((ignored, error) -> completedOn.set(Thread.currentThread().getName()));

        TestSender.Pending sent = this.sender.next();
        Thread acker = new Thread(sent::ack, "test-acker");
        acker.start();
        acker.join();
        assertThat(acknowledged).as("completed before the acknowledging thread went on").isCompleted();
        assertThat(ackedOn.get()).isEqualTo("test-acker");
        assertThat(completedOn.get()).isEqualTo("test-acker");
        assertThat(this.dispatcher.getQueue().size()).isZero();
    }

    @Test
    void aSenderWhoseCompletingThreadMustNotCarryTheWorkHasItsOutcomesSettledByTheDispatchersThread()
            throws Exception {
        // An HTTP client's event loop: no commit or callback of ours may run there.
        MessageSender eventLoopLike = new MessageSender() {
            @Override
            public CompletableFuture<Void> send(OutboundMessage message) {
                return DispatcherInlineTurnTests.this.sender.send(message);
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public boolean settlesOnCompletingThread() {
                return false;
            }
        };
        AtomicReference<String> ackedOn = new AtomicReference<>();
        startParked(eventLoopLike, ackedOn);
        this.dispatcher.send(message(0));
        TestSender.Pending sent = this.sender.next();
        Thread acker = new Thread(sent::ack, "test-event-loop");
        acker.start();
        acker.join();
        await().atMost(PATIENCE).until(() -> ackedOn.get() != null);
        assertThat(ackedOn.get()).isEqualTo("iot-inline-dispatcher");
    }

    @Test
    void concurrentProducersAndAcknowledgementsKeepEachProducersOrderAndTheWindow() throws Exception {
        int producers = 4;
        int perProducer = 1_000;
        ScheduledExecutorService acker = Executors.newScheduledThreadPool(3);
        ExecutorService producing = Executors.newFixedThreadPool(producers);
        try {
            MessageSender randomAcks = new MessageSender() {
                @Override
                public CompletableFuture<Void> send(OutboundMessage message) {
                    CompletableFuture<Void> future = DispatcherInlineTurnTests.this.sender.send(message);
                    TestSender.Pending pending = DispatcherInlineTurnTests.this.sender.pending.poll();
                    // At once on another thread (races with the producers' turns) or a little later.
                    int delay = ThreadLocalRandom.current().nextInt(-2, 2);
                    if (delay <= 0) {
                        acker.execute(pending::ack);
                    }
                    else {
                        acker.schedule(pending::ack, delay, TimeUnit.MILLISECONDS);
                    }
                    return future;
                }

                @Override
                public boolean isReady() {
                    return true;
                }
            };
            this.dispatcher = Dispatcher.builder("inline", InMemoryQueue.fifo(), randomAcks).window(8).backoff(FAST)
                    .readinessRecheck(Duration.ofHours(1)).listener(this.listener).build();
            this.dispatcher.start();
            CountDownLatch go = new CountDownLatch(1);
            for (int p = 0; p < producers; p++) {
                int producer = p;
                producing.execute(() -> {
                    try {
                        go.await();
                    }
                    catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < perProducer; i++) {
                        this.dispatcher.send(OutboundMessage.of(producer + "-" + i, "topic", new byte[] { 1 }));
                    }
                });
            }
            go.countDown();
            await().atMost(PATIENCE).until(() -> this.listener.acked().size() == producers * perProducer);

            List<String> attempts = this.sender.attempts();
            assertThat(attempts).as("each message sent once").hasSize(producers * perProducer)
                    .doesNotHaveDuplicates();
            Map<String, Integer> next = new HashMap<>();
            for (String id : attempts) {
                String producer = id.substring(0, id.indexOf('-'));
                int index = Integer.parseInt(id.substring(id.indexOf('-') + 1));
                assertThat(index).as("producer %s's messages on the wire in the order it sent them", producer)
                        .isEqualTo(next.getOrDefault(producer, 0));
                next.put(producer, index + 1);
            }
            assertThat(this.sender.maxOutstanding.get()).isLessThanOrEqualTo(8);
            assertThat(this.dispatcher.getQueue().size()).isZero();
            assertThat(this.dispatcher.stats().inFlight()).isZero();
        }
        finally {
            producing.shutdownNow();
            acker.shutdownNow();
        }
    }

    @Test
    void aListenerThatSendsFromWithinATurnIsServedAfterItInOrder() throws Exception {
        // Completed at once: the outcome arrives inside the turn that sent it, and so does the listener's send.
        int chain = 300;
        MessageSender acksAtOnce = new MessageSender() {
            @Override
            public CompletableFuture<Void> send(OutboundMessage message) {
                DispatcherInlineTurnTests.this.sender.attempts.add(message.id());
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public boolean isReady() {
                return true;
            }
        };
        this.dispatcher = Dispatcher.builder("inline", InMemoryQueue.fifo(), acksAtOnce).window(4)
                .readinessRecheck(Duration.ofHours(1)).listener(this.listener).listener(new DeliveryListener() {
                    @Override
                    public void onAcked(OutboundMessage message) {
                        int i = Integer.parseInt(message.id());
                        if (i + 1 < chain) {
                            DispatcherInlineTurnTests.this.dispatcher.send(message(i + 1));
                        }
                    }
                }).build();
        this.dispatcher.start();
        this.dispatcher.send(message(0));
        await().atMost(PATIENCE).until(() -> this.listener.acked().size() == chain);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < chain; i++) {
            expected.add(Integer.toString(i));
        }
        assertThat(this.sender.attempts()).containsExactlyElementsOf(expected);
        assertThat(this.listener.acked()).containsExactlyElementsOf(expected);
    }

    @Test
    void duringARetryPauseASendIsLeftToTheDispatchersThread() throws Exception {
        // Not the plain running case: the caller does not send past the pause (an hour here), and the pause ends
        // as before, when the sender is ready again after it was not.
        this.dispatcher = Dispatcher.builder("inline", InMemoryQueue.fifo(), this.sender).window(4)
                .backoff(new RetryBackoff(Duration.ofHours(1), Duration.ofHours(1), 1, 0))
                .readinessRecheck(Duration.ofHours(1)).listener(this.listener).build();
        this.dispatcher.start();
        this.dispatcher.send(message(0));
        this.sender.next().fail(new IOException("connection lost"));
        await().atMost(PATIENCE).until(() -> this.dispatcher.stats().retries() == 1);
        this.dispatcher.send(message(1));
        assertThat(this.sender.attempts()).as("nothing sent during the pause").containsExactly("0");

        this.sender.ready = false;
        int checks = this.sender.readyChecks.get();
        this.dispatcher.wakeUp();
        await().atMost(PATIENCE).until(() -> this.sender.readyChecks.get() > checks);
        this.sender.ready = true;
        this.dispatcher.wakeUp();
        TestSender.Pending resent = this.sender.next();
        assertThat(resent.id()).isEqualTo("0");
        resent.ack();
        this.sender.next().ack();
        await().atMost(PATIENCE).until(() -> this.listener.acked().size() == 2);
        assertThat(this.sender.attempts()).containsExactly("0", "0", "1");
    }

    /**
     * Starts a dispatcher over {@code sender} (window 10, no readiness re-check for an hour, so a lost wake-up fails
     * the test) that records the thread of each acknowledgement, and waits until its thread sleeps.
     */
    private void startParked(MessageSender sender, AtomicReference<String> ackedOn) {
        this.dispatcher = Dispatcher.builder("inline", InMemoryQueue.fifo(), sender).window(10)
                .readinessRecheck(Duration.ofHours(1)).listener(new DeliveryListener() {
                    @Override
                    public void onAcked(OutboundMessage message) {
                        ackedOn.set(Thread.currentThread().getName());
                    }
                }).build();
        this.dispatcher.start();
        awaitParked("iot-inline-dispatcher");
    }

    private static void awaitParked(String threadName) {
        await().atMost(PATIENCE).until(() -> Thread.getAllStackTraces().keySet().stream()
                .anyMatch((t) -> t.getName().equals(threadName) && t.getState() == Thread.State.TIMED_WAITING));
    }
}
