package dev.iotspring.core.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.iotspring.core.queue.QueueScenarios.OverflowRun;

import static dev.iotspring.core.queue.QueueScenarios.ids;
import static dev.iotspring.core.queue.QueueScenarios.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemoryQueueTests {

    /**
     * The reference scenario of the StellaNow Python SDK (tests/test_queue_overflow_strategies.py): max 3,
     * enqueue 0-5, dequeue 2, enqueue 6-9, then everything left in dequeue order. The two dequeued messages are
     * only polled (in flight), never acknowledged: they left the queue as in the SDK's send loop.
     */
    @ParameterizedTest(name = "{0} + {1}")
    @CsvSource(delimiter = ';', value = {
            "FIFO; DROP_OLDEST; 3,4; 7,8,9",
            "FIFO; DROP_NEWEST; 0,1; 2,6,7",
            "LIFO; DROP_OLDEST; 5,4; 9,8,7",
            "LIFO; DROP_NEWEST; 2,1; 7,6,0" })
    void referenceOverflowScenarios(QueueOrder order, OverflowStrategy overflow, String taken, String rest) {
        InMemoryQueue queue = new InMemoryQueue(order, 3, overflow);
        OverflowRun run = QueueScenarios.referenceOverflow(queue, 1);
        assertThat(ids(run.first())).isEqualTo(taken);
        assertThat(ids(run.remaining())).isEqualTo(rest);
        assertThat(queue.droppedCount()).isEqualTo(5);
        assertThat(run.droppedIds()).hasSize(5);
        assertThat(queue.size()).as("all still in flight").isEqualTo(5);
        queue.ack(run.first());
        queue.ack(run.remaining());
        assertThat(queue.size()).isZero();
    }

    @Test
    void raiseExceptionRefusesWithSizeDroppedCountAndIdAndLeavesTheQueueAsItWas() {
        InMemoryQueue queue = new InMemoryQueue(QueueOrder.FIFO, 2, OverflowStrategy.RAISE_EXCEPTION);
        queue.offer(message(0));
        queue.offer(message(1));
        assertThatThrownBy(() -> queue.offer(message(2))).isInstanceOfSatisfying(QueueFullException.class, ex -> {
            assertThat(ex.getQueueSize()).isEqualTo(2);
            assertThat(ex.getDroppedCount()).isZero();
            assertThat(ex.getMessageId()).isEqualTo("2");
            assertThat(ex.getMessage()).contains("2 messages", "0 dropped", "message 2", "max-size");
        });
        assertThat(queue.size()).isEqualTo(2);
        assertThat(queue.droppedCount()).isZero();
        assertThat(ids(queue.poll(10))).isEqualTo("0,1");
    }

    @Test
    void offerAllKeepsWhatFitsAndRefusesTheRest() {
        InMemoryQueue queue = new InMemoryQueue(QueueOrder.FIFO, 2, OverflowStrategy.RAISE_EXCEPTION);
        assertThatThrownBy(() -> queue.offerAll(List.of(message(0), message(1), message(2), message(3))))
                .isInstanceOfSatisfying(QueueFullException.class, ex -> assertThat(ex.getMessageId()).isEqualTo("2"));
        assertThat(ids(queue.poll(10))).isEqualTo("0,1");
    }

    @Test
    void requeuePutsMessagesBackToTheirPlaceNotToTheBack() {
        InMemoryQueue queue = InMemoryQueue.fifo();
        for (int i = 0; i < 6; i++) {
            queue.offer(message(i));
        }
        List<QueuedMessage> taken = queue.poll(3); // 0,1,2
        queue.ack(taken.subList(0, 1)); // 0 delivered
        queue.offer(message(6));
        queue.requeue(taken.subList(1, 3)); // 1,2 failed
        assertThat(queue.size()).isEqualTo(6);
        assertThat(ids(queue.poll(10))).isEqualTo("1,2,3,4,5,6");
    }

    @Test
    void lifoRequeueHandsTheSameMessageOutNext() {
        InMemoryQueue queue = new InMemoryQueue(QueueOrder.LIFO, 0, OverflowStrategy.RAISE_EXCEPTION);
        for (int i = 0; i < 4; i++) {
            queue.offer(message(i));
        }
        List<QueuedMessage> taken = queue.poll(1);
        assertThat(ids(taken)).isEqualTo("3");
        queue.requeue(taken);
        assertThat(ids(queue.poll(10))).isEqualTo("3,2,1,0");
    }

    @Test
    void boundCountsQueuedMessagesAndNeverDropsInFlightOrRequeuedOnes() {
        InMemoryQueue queue = new InMemoryQueue(QueueOrder.FIFO, 2, OverflowStrategy.DROP_OLDEST);
        queue.offer(message(0));
        queue.offer(message(1));
        List<QueuedMessage> inFlight = queue.poll(2);
        queue.offer(message(2));
        queue.offer(message(3));
        queue.offer(message(4)); // drops 2, the oldest queued; 0 and 1 are in flight and safe
        assertThat(queue.droppedCount()).isEqualTo(1);
        queue.requeue(inFlight);
        assertThat(queue.size()).isEqualTo(4);
        assertThat(ids(queue.poll(10))).isEqualTo("0,1,3,4");
    }

    /**
     * Random offers, polls, acknowledgements and requeues of random in-flight subsets (FIFO and LIFO, bounded with
     * drop-oldest and unbounded; thousands queued, so the storage grows and shrinks): every poll hands out what a
     * queue sorted by acceptance order would, and size and drops agree with it.
     */
    @ParameterizedTest(name = "{0}, max {1}")
    @CsvSource({ "FIFO, 0", "LIFO, 0", "FIFO, 50", "LIFO, 50" })
    void pollsFollowTheAcceptanceOrderThroughAnyRequeue(QueueOrder order, int maxSize) {
        InMemoryQueue queue = new InMemoryQueue(order, maxSize, OverflowStrategy.DROP_OLDEST);
        java.util.TreeMap<Integer, String> waiting = new java.util.TreeMap<>();
        List<QueuedMessage> inFlight = new ArrayList<>();
        java.util.Random random = new java.util.Random(11);
        int next = 0;
        long dropped = 0;
        for (int step = 0; step < 3000; step++) {
            int action = random.nextInt(10);
            if (action < 4 || step < 300) {
                int n = 1 + random.nextInt((step < 1500) ? 20 : 3);
                for (int i = 0; i < n; i++) {
                    if (maxSize > 0 && waiting.size() >= maxSize) {
                        waiting.pollFirstEntry();
                        dropped++;
                    }
                    waiting.put(next, String.valueOf(next));
                    queue.offer(message(next++));
                }
            }
            else if (action < 7) {
                int n = random.nextInt(8);
                List<QueuedMessage> taken = queue.poll(n);
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < n && !waiting.isEmpty(); i++) {
                    expected.add(((order == QueueOrder.FIFO) ? waiting.pollFirstEntry() : waiting.pollLastEntry())
                        .getValue());
                }
                assertThat(ids(taken)).as("step %d", step).isEqualTo(String.join(",", expected));
                inFlight.addAll(taken);
            }
            else {
                java.util.Collections.shuffle(inFlight, random);
                List<QueuedMessage> some = new ArrayList<>(inFlight.subList(0, random.nextInt(inFlight.size() + 1)));
                inFlight.removeAll(some);
                if (action < 9) {
                    queue.requeue(some);
                    some.forEach((q) -> waiting.put(Integer.valueOf(q.message().id()), q.message().id()));
                }
                else {
                    queue.ack(some);
                }
            }
            assertThat(queue.size()).as("step %d", step).isEqualTo(waiting.size() + inFlight.size());
        }
        assertThat(queue.droppedCount()).isEqualTo(dropped);
        queue.requeue(inFlight);
        inFlight.forEach((q) -> waiting.put(Integer.valueOf(q.message().id()), q.message().id()));
        assertThat(ids(queue.poll(Integer.MAX_VALUE))).isEqualTo(String.join(",",
                (order == QueueOrder.FIFO) ? waiting.values() : waiting.descendingMap().values()));
    }

    @Test
    void staleRequeueOfAnAcknowledgedMessageIsIgnored() {
        InMemoryQueue queue = InMemoryQueue.fifo();
        queue.offer(message(0));
        List<QueuedMessage> taken = queue.poll(1);
        queue.ack(taken);
        queue.requeue(taken);
        assertThat(queue.size()).isZero();
    }

    @Test
    void maxSizeIsValidated() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new InMemoryQueue(QueueOrder.FIFO, -1, OverflowStrategy.DROP_OLDEST))
                .withMessageContaining("maxSize").withMessageContaining("10000000");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new InMemoryQueue(QueueOrder.FIFO, 10_000_001, OverflowStrategy.DROP_OLDEST));
        assertThat(new InMemoryQueue(QueueOrder.FIFO, 10_000_000, OverflowStrategy.DROP_OLDEST).getMaxSize())
                .isEqualTo(10_000_000);
    }

    @Test
    void concurrentProducersAndOneConsumerLoseNothing() throws Exception {
        InMemoryQueue queue = new InMemoryQueue(QueueOrder.FIFO, 0, OverflowStrategy.RAISE_EXCEPTION);
        int producers = 4;
        int perProducer = 5_000;
        ExecutorService pool = Executors.newFixedThreadPool(producers);
        CountDownLatch go = new CountDownLatch(1);
        for (int p = 0; p < producers; p++) {
            int base = p * perProducer;
            pool.submit(() -> {
                go.await();
                for (int i = 0; i < perProducer; i++) {
                    queue.offer(message(base + i));
                }
                return null;
            });
        }
        go.countDown();
        List<QueuedMessage> received = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (received.size() < producers * perProducer && System.nanoTime() < deadline) {
            List<QueuedMessage> batch = queue.poll(100);
            queue.ack(batch);
            received.addAll(batch);
        }
        pool.shutdown();
        assertThat(received).hasSize(producers * perProducer);
        assertThat(received).extracting(QueuedMessage::sequence).isSorted().doesNotHaveDuplicates();
        assertThat(queue.size()).isZero();
    }
}
