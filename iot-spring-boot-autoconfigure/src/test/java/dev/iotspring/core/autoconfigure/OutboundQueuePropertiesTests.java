package dev.iotspring.core.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.delivery.MessageSender;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueueFullException;
import dev.iotspring.core.queue.QueueOrder;
import dev.iotspring.core.store.IotStores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class OutboundQueuePropertiesTests {

    static final String PREFIX = "iot.test.queue";

    @Test
    void sharedDefaultsAndThePlatformsConstructorDefaults() {
        TestQueue queue = new TestQueue();
        assertThat(queue.getType()).isEqualTo(OutboundQueueProperties.Type.MEMORY);
        assertThat(queue.getOrder()).isEqualTo(QueueOrder.FIFO);
        assertThat(queue.getOverflow()).isEqualTo(OverflowStrategy.RAISE_EXCEPTION);
        assertThat(queue.getRetry().getInitialDelay()).isEqualTo(Duration.ofMillis(100));
        assertThat(queue.getRetry().getMaxDelay()).isEqualTo(Duration.ofSeconds(30));
        queue.validate(PREFIX);
        // The constructor's bound (10) and window (2) reach what the platform builds from them.
        try (OutboundQueue built = queue.createQueue(null, "test", "q", PREFIX)) {
            for (int i = 0; i < 10; i++) {
                built.offer(OutboundMessage.of("m" + i, "t", new byte[0]));
            }
            assertThatExceptionOfType(QueueFullException.class)
                .isThrownBy(() -> built.offer(OutboundMessage.of("m10", "t", new byte[0])));
            assertThat(built.size()).isEqualTo(10);
        }
        Dispatcher dispatcher = queue
            .applyTo(Dispatcher.builder("test", InMemoryQueue.fifo(), new IdleSender()), Duration.ZERO)
            .build();
        assertThat(dispatcher.getWindow()).isEqualTo(2);
    }

    @Test
    void invalidValuesFailNamingTheKey() {
        TestQueue queue = new TestQueue();
        queue.setType(null);
        assertFailure(queue, PREFIX + ".type", "must be memory or durable");
        queue = new TestQueue();
        queue.setOrder(null);
        assertFailure(queue, PREFIX + ".order", "must be fifo or lifo");
        queue = new TestQueue();
        queue.setType(OutboundQueueProperties.Type.DURABLE);
        queue.setOrder(QueueOrder.LIFO);
        assertFailure(queue, PREFIX + ".order", "must be fifo with type durable");
        queue = new TestQueue();
        queue.setMaxSize(-1);
        assertFailure(queue, PREFIX + ".max-size", "0 (unbounded) and 10000000");
        queue.setMaxSize(InMemoryQueue.MAX_SIZE_LIMIT + 1);
        assertFailure(queue, PREFIX + ".max-size", "0 (unbounded) and 10000000");
        queue = new TestQueue();
        queue.setOverflow(null);
        assertFailure(queue, PREFIX + ".overflow", "drop-oldest");
        queue = new TestQueue();
        queue.setInFlight(0);
        assertFailure(queue, PREFIX + ".in-flight", "between 1 and 50");
        queue.setInFlight(51);
        assertFailure(queue, PREFIX + ".in-flight", "between 1 and 50");
        queue = new TestQueue();
        queue.getRetry().setInitialDelay(Duration.ZERO);
        assertFailure(queue, PREFIX + ".retry.initial-delay", "positive");
        queue = new TestQueue();
        queue.getRetry().setMaxDelay(Duration.ofMillis(10));
        assertFailure(queue, PREFIX + ".retry.max-delay", "initial-delay");
    }

    @Test
    void memoryTypeGivesAnInMemoryQueueInTheConfiguredOrder() {
        TestQueue queue = new TestQueue();
        queue.setOverflow(OverflowStrategy.DROP_OLDEST);
        try (OutboundQueue fifo = queue.createQueue(null, "test", "q", PREFIX)) {
            assertThat(fifo).isInstanceOfSatisfying(InMemoryQueue.class, (q) -> {
                assertThat(q.getOrder()).isEqualTo(QueueOrder.FIFO);
                assertThat(q.getMaxSize()).isEqualTo(10);
                assertThat(q.getOverflow()).isEqualTo(OverflowStrategy.DROP_OLDEST);
            });
        }
        queue.setOrder(QueueOrder.LIFO);
        try (OutboundQueue lifo = queue.createQueue(null, "test", "q", PREFIX)) {
            assertThat(((InMemoryQueue) lifo).getOrder()).isEqualTo(QueueOrder.LIFO);
        }
    }

    @Test
    void durableTypeOpensThePlatformsStore(@TempDir Path directory) {
        TestQueue queue = new TestQueue();
        queue.setType(OutboundQueueProperties.Type.DURABLE);
        try (IotStores stores = new IotStores(directory, SynchronousMode.NORMAL, Duration.ofSeconds(1));
                OutboundQueue durable = queue.createQueue(stores, "test", "q", PREFIX)) {
            assertThat(durable.isDurable()).isTrue();
            // Opened beside the startup: the first operation waits for the file.
            assertThat(durable.size()).isZero();
            assertThat(stores.file("test")).exists();
        }
    }

    @Test
    void durableTypeWithoutStoresNamesTheTypeAndSuggestsMemory() {
        TestQueue queue = new TestQueue();
        queue.setType(OutboundQueueProperties.Type.DURABLE);
        assertThatExceptionOfType(IotConfigurationException.class)
            .isThrownBy(() -> queue.createQueue(null, "test", "q", PREFIX))
            .satisfies((ex) -> {
                assertThat(ex.getProperty()).isEqualTo(PREFIX + ".type");
                assertThat(ex.getProblem()).contains("sqlite-jdbc").contains("type: memory");
                assertThat(ex.getExample()).isEqualTo("iot:\n  test:\n    queue:\n      type: memory\n");
            });
    }

    @Test
    void negativeDrainTimeoutNamesTheShutdownProperty() {
        assertThatExceptionOfType(IotConfigurationException.class)
            .isThrownBy(() -> OutboundQueueProperties.requireDrainTimeout(Duration.ofSeconds(-1)))
            .satisfies((ex) -> assertThat(ex.getProperty()).isEqualTo("iot.shutdown.drain-timeout"));
        assertThat(OutboundQueueProperties.requireDrainTimeout(Duration.ZERO)).isEqualTo(Duration.ZERO);
    }

    private static void assertFailure(TestQueue queue, String property, String problem) {
        assertThatExceptionOfType(IotConfigurationException.class).isThrownBy(() -> queue.validate(PREFIX))
            .satisfies((ex) -> {
                assertThat(ex.getProperty()).isEqualTo(property);
                assertThat(ex.getProblem()).contains(problem);
                assertThat(ex.getExample()).startsWith("iot:\n  test:\n    queue:\n");
            });
    }

    /** Never asked to send: the dispatcher under test is not started. */
    static final class IdleSender implements MessageSender {

        @Override
        public CompletableFuture<Void> send(OutboundMessage message) {
            throw new IllegalStateException("not started");
        }

        @Override
        public boolean isReady() {
            return false;
        }
    }

    /** A platform's queue: bound 10, 2 in flight by default, at most 50. */
    static final class TestQueue extends OutboundQueueProperties {

        TestQueue() {
            super(10, 2, 50);
        }
    }
}
