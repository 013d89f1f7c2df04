package dev.iotspring.core.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.delivery.DeliveryClosedException;
import dev.iotspring.core.delivery.DeliveryListener;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.delivery.MessageSender;
import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.core.queue.OutboundMessage;

import static dev.iotspring.core.queue.QueueScenarios.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The dispatcher on a durable SQLite queue: what the drain cannot send stays for the next start, in order. */
@ExtendWith(OutputCaptureExtension.class)
class DurableDeliveryTests {

    @TempDir
    Path directory;

    @Test
    void undeliveredMessagesStayInTheStoreAndAreSentInOrderAfterRestart(CapturedOutput output) throws Exception {
        HeldSender held = new HeldSender();
        try (IotStores stores = new IotStores(this.directory, SynchronousMode.FULL, Duration.ofSeconds(5))) {
            Dispatcher dispatcher = Dispatcher.builder("spotflow", stores.open("spotflow").outboundQueue("messages"),
                    held).window(3).drainTimeout(Duration.ofMillis(300)).build();
            dispatcher.start();
            List<CompletableFuture<Void>> futures = IntStream.range(0, 10)
                    .mapToObj(i -> dispatcher.sendAsync(message(i))).toList();
            held.take().complete(null); // 0 acknowledged; 1, 2, 3 in flight and never acknowledged
            await().until(() -> dispatcher.getQueue().size() == 9);
            dispatcher.stop();
            assertThat(futures.get(0)).isCompleted();
            assertThatThrownBy(futures.get(9)::join).hasCauseInstanceOf(DeliveryClosedException.class)
                    .hasMessageContaining("stays in the durable queue");
            assertThat(output).contains("9 messages for spotflow were not sent before shutdown; they stay in the store")
                    .doesNotContainPattern("Lost \\d+ messages for spotflow");
        }

        List<String> acked = Collections.synchronizedList(new ArrayList<>());
        MessageSender acking = new MessageSender() {
            @Override
            public CompletableFuture<Void> send(OutboundMessage message) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public boolean isReady() {
                return true;
            }
        };
        try (IotStores stores = new IotStores(this.directory, SynchronousMode.FULL, Duration.ofSeconds(5))) {
            Dispatcher dispatcher = Dispatcher.builder("spotflow", stores.open("spotflow").outboundQueue("messages"),
                    acking).backoff(RetryBackoff.DEFAULT).listener(new DeliveryListener() {
                        @Override
                        public void onAcked(OutboundMessage message) {
                            acked.add(message.id());
                        }
                    }).build();
            dispatcher.start();
            await().until(() -> acked.size() == 9);
            dispatcher.stop();
            assertThat(acked).containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9");
            assertThat(dispatcher.getQueue().size()).isZero();
        }
    }

    @Test
    void concurrentProducersAndTheDispatcherShareTheDurableQueue() throws Exception {
        java.util.concurrent.ScheduledExecutorService broker = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor();
        List<String> acked = Collections.synchronizedList(new ArrayList<>());
        // Acknowledges asynchronously, like a broker, and refuses now and then to force requeues.
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        MessageSender sender = new MessageSender() {
            @Override
            public CompletableFuture<Void> send(OutboundMessage message) {
                CompletableFuture<Void> future = new CompletableFuture<>();
                boolean fail = calls.incrementAndGet() % 97 == 0;
                broker.execute(() -> {
                    if (fail) {
                        future.completeExceptionally(new java.io.IOException("connection reset"));
                    }
                    else {
                        future.complete(null);
                    }
                });
                return future;
            }

            @Override
            public boolean isReady() {
                return true;
            }
        };
        int producers = 4;
        int perProducer = 250;
        try (IotStores stores = new IotStores(this.directory, SynchronousMode.NORMAL, Duration.ofSeconds(5))) {
            Dispatcher dispatcher = Dispatcher.builder("load", stores.open("load").outboundQueue("messages"), sender)
                    .window(16).backoff(new RetryBackoff(Duration.ofMillis(1), Duration.ofMillis(5), 2, 0))
                    .listener(new DeliveryListener() {
                        @Override
                        public void onAcked(OutboundMessage message) {
                            acked.add(message.id());
                        }
                    }).build();
            dispatcher.start();
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int producer = p;
                Thread t = new Thread(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        dispatcher.send(OutboundMessage.of(producer + "-" + i, "t", new byte[16]));
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(dispatcher.awaitDrained(Duration.ofSeconds(60))).isTrue();
            dispatcher.stop();
            assertThat(dispatcher.stats().retries()).isPositive();
        }
        finally {
            broker.shutdownNow();
        }
        assertThat(acked).hasSize(producers * perProducer).doesNotHaveDuplicates();
        for (int p = 0; p < producers; p++) {
            String prefix = p + "-";
            assertThat(acked.stream().filter(id -> id.startsWith(prefix)).toList()).as("order of producer " + p)
                    .containsExactlyElementsOf(IntStream.range(0, perProducer).mapToObj(i -> prefix + i).toList());
        }
    }

    @Test
    void aDurableQueueSettlesOnTheReportingThreadWithWindowOneAndOnTheDispatchersThreadAbove() throws Exception {
        // Window 1 (Spotflow): the acknowledgement's delete is committed by the thread that reports it, no hand-off.
        // A wider window keeps the dispatcher's thread, which batches the acknowledgements of one commit into the
        // next instead of one commit per acknowledgement on the client library's callback thread.
        assertThat(ackedOn(1)).isEqualTo("test-acker");
        assertThat(ackedOn(10)).isEqualTo("iot-window-dispatcher");
    }

    private String ackedOn(int window) throws Exception {
        HeldSender held = new HeldSender();
        AtomicReference<String> ackedOn = new AtomicReference<>();
        try (IotStores stores = new IotStores(this.directory.resolve("w" + window), SynchronousMode.NORMAL,
                Duration.ofSeconds(5))) {
            Dispatcher dispatcher = Dispatcher.builder("window", stores.open("window").outboundQueue("messages"), held)
                    .window(window).readinessRecheck(Duration.ofHours(1)).listener(new DeliveryListener() {
                        @Override
                        public void onAcked(OutboundMessage message) {
                            ackedOn.set(Thread.currentThread().getName());
                        }
                    }).build();
            dispatcher.start();
            try {
                dispatcher.send(message(0));
                CompletableFuture<Void> sent = held.take();
                // The dispatcher's thread parked (its first look at the queue done), so the turn is free.
                await().until(() -> Thread.getAllStackTraces().keySet().stream().anyMatch((t) -> t.getName()
                        .equals("iot-window-dispatcher") && t.getState() == Thread.State.TIMED_WAITING));
                Thread acker = new Thread(() -> sent.complete(null), "test-acker");
                acker.start();
                acker.join();
                await().until(() -> ackedOn.get() != null);
                assertThat(dispatcher.getQueue().size()).isZero();
                return ackedOn.get();
            }
            finally {
                dispatcher.stop();
            }
        }
    }

    /** Hands every send's future to the test. */
    static final class HeldSender implements MessageSender {

        final LinkedBlockingQueue<CompletableFuture<Void>> futures = new LinkedBlockingQueue<>();

        @Override
        public CompletableFuture<Void> send(OutboundMessage message) {
            CompletableFuture<Void> future = new CompletableFuture<>();
            this.futures.add(future);
            return future;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        CompletableFuture<Void> take() throws InterruptedException {
            CompletableFuture<Void> next = this.futures.poll(30, TimeUnit.SECONDS);
            assertThat(next).as("a send within 5 s").isNotNull();
            return next;
        }
    }
}
