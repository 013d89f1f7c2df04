package dev.iotspring.core.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueueOrder;
import dev.iotspring.core.store.IotStores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class OutboundQueuePropertiesTests {

    static final String PREFIX = "iot.test.queue";

    static final String EXAMPLE = "iot:\n  test:\n    queue:\n      type: a\n";

    @Test
    void constructorDefaultsAreTheBoundProperties() {
        TestQueue queue = new TestQueue();
        assertThat(queue.getMaxSize()).isEqualTo(10);
        assertThat(queue.getInFlight()).isEqualTo(2);
        assertThat(queue.getOverflow()).isEqualTo(OverflowStrategy.RAISE_EXCEPTION);
        queue.validate(PREFIX, EXAMPLE);
    }

    @Test
    void invalidValuesFailNamingTheKeyAndThePlatformsTypes() {
        TestQueue queue = new TestQueue();
        queue.type = null;
        assertFailure(queue, PREFIX + ".type", "must be one of a, b or c");
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
    }

    @Test
    void memoryTypesGiveInMemoryQueuesInTheirOrder() {
        TestQueue queue = new TestQueue();
        queue.setOverflow(OverflowStrategy.DROP_OLDEST);
        try (OutboundQueue fifo = queue.createQueue(null, "test", "q", PREFIX, EXAMPLE)) {
            assertThat(fifo).isInstanceOfSatisfying(InMemoryQueue.class, (q) -> {
                assertThat(q.getOrder()).isEqualTo(QueueOrder.FIFO);
                assertThat(q.getMaxSize()).isEqualTo(10);
                assertThat(q.getOverflow()).isEqualTo(OverflowStrategy.DROP_OLDEST);
            });
        }
        queue.type = "b";
        try (OutboundQueue lifo = queue.createQueue(null, "test", "q", PREFIX, EXAMPLE)) {
            assertThat(((InMemoryQueue) lifo).getOrder()).isEqualTo(QueueOrder.LIFO);
        }
    }

    @Test
    void durableTypeOpensThePlatformsStore(@TempDir Path directory) {
        TestQueue queue = new TestQueue();
        queue.type = "c";
        try (IotStores stores = new IotStores(directory, SynchronousMode.NORMAL, Duration.ofSeconds(1));
                OutboundQueue durable = queue.createQueue(stores, "test", "q", PREFIX, EXAMPLE)) {
            assertThat(durable.isDurable()).isTrue();
            assertThat(stores.file("test")).exists();
        }
    }

    @Test
    void durableTypeWithoutStoresNamesTheTypeAndSuggestsAMemoryOne() {
        TestQueue queue = new TestQueue();
        queue.type = "c";
        assertThatExceptionOfType(IotConfigurationException.class)
            .isThrownBy(() -> queue.createQueue(null, "test", "q", PREFIX, EXAMPLE))
            .satisfies((ex) -> {
                assertThat(ex.getProperty()).isEqualTo(PREFIX + ".type");
                assertThat(ex.getProblem()).contains("sqlite-jdbc").contains("type: a");
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
        assertThatExceptionOfType(IotConfigurationException.class).isThrownBy(() -> queue.validate(PREFIX, EXAMPLE))
            .satisfies((ex) -> {
                assertThat(ex.getProperty()).isEqualTo(property);
                assertThat(ex.getProblem()).contains(problem);
                assertThat(ex.getExample()).isEqualTo(EXAMPLE);
            });
    }

    /** Types a (memory, FIFO), b (memory, LIFO) and c (durable). */
    static final class TestQueue extends OutboundQueueProperties {

        @Nullable String type = "a";

        TestQueue() {
            super(10, 2, 50);
        }

        @Override
        protected @Nullable Storage storage() {
            if (this.type == null) {
                return null;
            }
            return switch (this.type) {
                case "b" -> Storage.MEMORY_LIFO;
                case "c" -> Storage.DURABLE;
                default -> Storage.MEMORY_FIFO;
            };
        }

        @Override
        protected List<String> typeValues() {
            return List.of("a", "b", "c");
        }
    }
}
