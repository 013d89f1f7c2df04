package dev.iotspring.core.queue.shared;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;


import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.zaxxer.hikari.HikariDataSource;

import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueuedMessage;
import dev.iotspring.test.postgres.EmbeddedPostgresExtension;
import dev.iotspring.test.postgres.EmbeddedPostgresServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The shared outbox on a real PostgreSQL: each instance delivers its own lane in order; the lane of an instance
 * that stopped renewing its lease is taken over by exactly one survivor, which delivers all of it (the rows the
 * dead instance had in flight included) in order.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class SharedOutboxPostgresTests {

    /** Short for a quick take-over, long enough that a live instance starved of CPU keeps its lane. */
    private static final Duration LEASE = Duration.ofSeconds(2);

    private final List<AutoCloseable> closeables = new ArrayList<>();

    private HikariDataSource dataSource;

    @BeforeEach
    void database(EmbeddedPostgresServer postgres) {
        this.dataSource = pool(postgres, postgres.createDatabase("shared_outbox"));
    }

    @AfterEach
    void close() throws Exception {
        for (int i = this.closeables.size() - 1; i >= 0; i--) {
            this.closeables.get(i).close();
        }
        this.dataSource.close();
    }

    @Test
    void eachInstanceDeliversItsOwnMessagesInOrder() {
        SharedOutboxQueue a = queue(instance("a"));
        SharedOutboxQueue b = queue(instance("b"));
        a.offerAll(messages("a", 5));
        b.offerAll(messages("b", 3));
        b.offer(OutboundMessage.of("b3", "t", new byte[] { 3 }));
        assertThat(ids(a.poll(10))).containsExactly("a0", "a1", "a2", "a3", "a4");
        assertThat(ids(b.poll(10))).containsExactly("b0", "b1", "b2", "b3");
        assertThat(a.size()).isEqualTo(5);
        assertThat(a.heldLanes()).containsExactly("a");
    }

    @Test
    void requeuedMessagesComeBackAtTheirPlaceAndAckedOnesAreGone() {
        SharedOutboxQueue a = queue(instance("a"));
        a.offerAll(messages("m", 6));
        List<QueuedMessage> first = a.poll(4);
        a.ack(first.subList(0, 1));
        a.requeue(first.subList(1, 4));
        assertThat(ids(a.poll(10))).containsExactly("m1", "m2", "m3", "m4", "m5");
        assertThat(a.size()).isEqualTo(5);
    }

    @Test
    void aDeadInstancesLaneGoesToExactlyOneSurvivorAfterTheLeaseAndIsDeliveredInOrder() {
        SharedOutbox deadOutbox = instance("dead");
        SharedOutboxQueue dead = queue(deadOutbox);
        SharedOutboxQueue b = queue(instance("b"));
        SharedOutboxQueue c = queue(instance("c"));
        dead.offerAll(messages("d", 20));
        List<QueuedMessage> inFlightAtDeath = dead.poll(5);
        assertThat(ids(inFlightAtDeath)).containsExactly("d0", "d1", "d2", "d3", "d4");
        // The process dies: nothing renews its lease any more, nothing is released.
        deadOutbox.close();

        await().atMost(Duration.ofSeconds(30))
            .until(() -> b.heldLanes().contains("dead") || c.heldLanes().contains("dead"));
        SharedOutboxQueue survivor = b.heldLanes().contains("dead") ? b : c;
        SharedOutboxQueue other = (survivor == b) ? c : b;
        List<String> delivered = new ArrayList<>();
        List<QueuedMessage> batch;
        while (!(batch = survivor.poll(7)).isEmpty()) {
            delivered.addAll(ids(batch));
            survivor.ack(batch);
        }
        assertThat(delivered).as("the in-flight rows again, then the rest, in order")
            .containsExactlyElementsOf(ids(messages("d", 20)));
        assertThat(other.poll(100)).isEmpty();
        assertThat(other.heldLanes()).doesNotContain("dead");
        await().atMost(Duration.ofSeconds(30)).until(() -> !survivor.heldLanes().contains("dead"));
        assertThat(survivor.size()).isZero();
    }

    @Test
    void aCleanStopHandsTheLaneOverWithoutWaitingForTheLease() {
        SharedOutbox longLease = new SharedOutbox(this.dataSource, "iot_", "leaving", Duration.ofMinutes(10));
        this.closeables.add(longLease);
        SharedOutboxQueue leaving = longLease.open("events", 0, OverflowStrategy.RAISE_EXCEPTION);
        SharedOutboxQueue staying = queue(instance("staying"));
        leaving.offerAll(messages("l", 3));
        leaving.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> staying.heldLanes().contains("leaving"));
        assertThat(ids(staying.poll(10))).containsExactly("l0", "l1", "l2");
    }

    @Test
    void aFullQueueAppliesItsOverflowRule() {
        SharedOutboxQueue a = instance("a").open("bounded", 2, OverflowStrategy.DROP_OLDEST);
        this.closeables.add(a);
        List<String> dropped = new ArrayList<>();
        a.addDropListener(m -> dropped.add(m.id()));
        a.offerAll(messages("m", 3));
        assertThat(dropped).containsExactly("m0");
        assertThat(ids(a.poll(10))).containsExactly("m1", "m2");
        assertThat(a.droppedCount()).isOne();
    }

    private SharedOutbox instance(String id) {
        SharedOutbox outbox = new SharedOutbox(this.dataSource, "iot_", id, LEASE);
        this.closeables.add(outbox);
        return outbox;
    }

    private SharedOutboxQueue queue(SharedOutbox outbox) {
        SharedOutboxQueue queue = outbox.open("events", 0, OverflowStrategy.RAISE_EXCEPTION);
        this.closeables.add(queue);
        return queue;
    }

    static HikariDataSource pool(EmbeddedPostgresServer postgres, String database) {
        HikariDataSource pool = new HikariDataSource();
        pool.setJdbcUrl(postgres.jdbcUrl(database));
        pool.setUsername("postgres");
        pool.setMaximumPoolSize(4);
        return pool;
    }


    static List<OutboundMessage> messages(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> OutboundMessage.of(prefix + i, "t", new byte[] { (byte) i }))
            .toList();
    }

    static List<String> ids(List<?> messages) {
        return messages.stream()
            .map(m -> (m instanceof QueuedMessage q) ? q.message().id() : ((OutboundMessage) m).id())
            .toList();
    }
}
