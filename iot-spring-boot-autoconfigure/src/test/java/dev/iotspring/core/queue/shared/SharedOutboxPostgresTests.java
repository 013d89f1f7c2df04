package dev.iotspring.core.queue.shared;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;


import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
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
 * dead instance had in flight included) in order; an instance that only stalled past its lease and resumes
 * neither delivers the lane it lost nor lets its newer messages overtake the older ones ({@link StalledInstance}).
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

    /**
     * A live instance that stalls past its lease (a long GC pause, a frozen VM: not dead) while another instance
     * takes its lane over, then resumes. Time is a test clock and the leases change only when a test ticks an
     * instance (no lease threads), so each step happens exactly where the test puts it. "The wire" records every
     * delivery in the order the instances made them, as the broker would see them: every message arrives, first
     * arrivals keep the send order, and only what the stalled instance had in flight arrives twice.
     */
    @Nested
    class StalledInstance {

        private static final Duration STALL_LEASE = Duration.ofSeconds(10);

        /** The stalled instance's dispatcher window: what it may have in flight when it stalls. */
        private static final int WINDOW = 5;

        private final TestClock clock = new TestClock();

        private final List<String> wire = new ArrayList<>();

        @Test
        void anInstanceThatResumesAfterItsLaneWasTakenOverNeitherOvertakesNorLosesItsMessages() {
            SharedOutboxQueue a = queue("a");
            SharedOutboxQueue b = queue("b");
            a.offerAll(messages("m", 20));
            List<QueuedMessage> inFlightAtStall = a.poll(WINDOW);
            assertThat(ids(inFlightAtStall)).containsExactly("m0", "m1", "m2", "m3", "m4");
            deliver(inFlightAtStall.subList(0, 2));

            // a stalls: time passes, its lease thread does not run; b's does and takes the lane over.
            this.clock.advance(STALL_LEASE.plusSeconds(1));
            b.tick();
            assertThat(b.heldLanes()).contains("a");
            List<QueuedMessage> first = b.poll(10);
            assertThat(ids(first)).as("the survivor starts at the oldest row, a's in-flight ones included")
                .containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
            deliver(first);
            b.ack(first);

            // a resumes before its lease thread does: its dispatcher finishes the window it had...
            deliver(inFlightAtStall.subList(2, WINDOW));
            a.ack(inFlightAtStall);
            // ...and asks for more: the rows it had read ahead are b's to deliver now.
            assertThat(a.poll(10)).as("nothing more of the lane it lost").isEmpty();
            // The application on a sends before a's lease thread noticed: into the lost lane, delivered by b in order.
            a.offerAll(messages("m", 23).subList(20, 23));

            // a's lease thread runs: a continues in a lane of its own that waits for the lost one.
            a.tick();
            assertThat(a.heldLanes()).doesNotContain("a");
            assertThat(a.producer()).isNotEqualTo("a");
            a.offerAll(messages("m", 30).subList(23, 30));
            assertThat(a.poll(10)).as("its newer messages wait until b delivered the older ones").isEmpty();

            drain(b);
            // b's next lease tick finds the rows a wrote into the lane meanwhile; it releases the lane only once empty.
            b.tick();
            assertThat(b.heldLanes()).contains("a");
            drain(b);
            assertThat(a.poll(10)).as("the lane b delivers is not released yet").isEmpty();
            b.tick();
            assertThat(b.heldLanes()).as("b released the delivered lane").doesNotContain("a");
            a.tick();
            drain(a);

            Map<String, Integer> arrivals = new LinkedHashMap<>();
            this.wire.forEach(id -> arrivals.merge(id, 1, Integer::sum));
            assertThat(arrivals.keySet()).as("every message, first arrivals in send order")
                .containsExactlyElementsOf(ids(messages("m", 30)));
            assertThat(arrivals.values().stream().filter(n -> n > 1).count())
                .as("duplicates: only what a had in flight when it stalled")
                .isLessThanOrEqualTo(WINDOW);
            assertThat(a.size()).isZero();
            assertThat(b.size()).isZero();
        }

        @Test
        void anInstanceThatStalledWithoutBeingReplacedKeepsItsLane() {
            SharedOutboxQueue a = queue("a");
            a.offerAll(messages("m", 6));
            deliver(a.poll(2));
            this.clock.advance(STALL_LEASE.plusSeconds(1));
            // Nobody took the lane: what a read ahead is read again under the lease check, and is still a's.
            List<QueuedMessage> next = a.poll(2);
            assertThat(ids(next)).containsExactly("m2", "m3");
            a.tick();
            assertThat(a.producer()).isEqualTo("a");
            assertThat(ids(a.poll(10))).containsExactly("m4", "m5");
        }

        private SharedOutboxQueue queue(String instance) {
            SharedOutbox outbox = new SharedOutbox(dataSource, "iot_", instance, STALL_LEASE, this.clock, false);
            closeables.add(outbox);
            SharedOutboxQueue queue = outbox.open("events", 0, OverflowStrategy.RAISE_EXCEPTION);
            closeables.add(queue);
            return queue;
        }

        private void deliver(List<QueuedMessage> batch) {
            this.wire.addAll(ids(batch));
        }

        /** Delivers until the queue has nothing more to hand out. */
        private void drain(SharedOutboxQueue queue) {
            List<QueuedMessage> batch;
            while (!(batch = queue.poll(4)).isEmpty()) {
                deliver(batch);
                queue.ack(batch);
            }
        }
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

    /** A clock the test moves; every instance reads it for lease times. */
    static final class TestClock extends Clock {

        private final AtomicLong millis = new AtomicLong(Instant.parse("2026-12-02T06:00:00Z").toEpochMilli());

        void advance(Duration duration) {
            this.millis.addAndGet(duration.toMillis());
        }

        @Override
        public long millis() {
            return this.millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }
}
