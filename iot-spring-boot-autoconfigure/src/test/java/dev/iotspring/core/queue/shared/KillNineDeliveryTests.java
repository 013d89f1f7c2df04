package dev.iotspring.core.queue.shared;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import com.zaxxer.hikari.HikariDataSource;

import dev.iotspring.core.store.SchemaMigrations;
import dev.iotspring.core.store.SqlDialect;
import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.mqtt.EnableEmbeddedMqttBroker;
import dev.iotspring.test.mqtt.RecordedPublish;
import dev.iotspring.test.postgres.EmbeddedPostgresExtension;
import dev.iotspring.test.postgres.EmbeddedPostgresServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code kill -9} while sending: senders run in child JVMs, one is killed (SIGKILL, nothing closed) while it has a
 * backlog, and the broker must end up with every message whose {@code send} returned. The broker withholds the
 * killed sender's acknowledgements from its 50th message on, so at the kill a window of messages is in flight and
 * the rest is queued. Duplicates are allowed only of those in flight (at most the window).
 */
@EnableEmbeddedMqttBroker
@ExtendWith(EmbeddedPostgresExtension.class)
class KillNineDeliveryTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private static final int WINDOW = 10;

    /** The victim's acknowledgements are held from this message on. */
    private static final int ACKED_BEFORE_HOLD = 50;

    private static final int SENT_BEFORE_KILL = 200;

    @TempDir
    Path work;

    /**
     * Killed while it sends flat out, the instance leaves messages whose send returned: committed (FULL) or, under
     * NORMAL, maybe only in the queue's intake journal (a send returns once its message is there). The restarted
     * instance must deliver every one of them, in order.
     */
    @ParameterizedTest
    @ValueSource(strings = { "FULL", "NORMAL" })
    void sqliteInstanceKilledWhileSendingDeliversEveryMessageWhoseSendReturned(String synchronous,
            EmbeddedMqttBroker broker) throws Exception {
        Path directory = this.work.resolve(synchronous);
        String instance = "sending-" + synchronous;
        holdAcksOf(broker, instance);
        Set<String> returned;
        try (ChildJvm first = ChildJvm.start(this.work, "sqlite", directory.toString(), broker.tcpUrl(), instance,
                "1000000", "0", Integer.toString(WINDOW), synchronous)) {
            returned = killAfterBacklog(first);
        }
        try (ChildJvm second = ChildJvm.start(this.work, "sqlite", directory.toString(), broker.tcpUrl(),
                instance + "-restarted", "0", "0", Integer.toString(WINDOW), synchronous)) {
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(received(broker, instance)).as(second.log())
                .containsAll(returned));
        }
        assertDeliveredInOrderWithBoundedDuplicates(broker, instance, WINDOW);
    }

    /**
     * One message in flight, acknowledgements flowing and no new message committed at the kill (as Spotflow drains
     * what was enqueued): the deletes of the messages acknowledged last are not committed yet, only the queue's
     * journal names them. The restarted instance must send none of them again: at most the one that was in flight
     * arrives twice.
     */
    @Test
    void sqliteInstanceKilledWhileDrainingOneAtATimeSendsOnlyTheMessageInFlightAgain(EmbeddedMqttBroker broker)
            throws Exception {
        Path directory = this.work.resolve("one-at-a-time");
        holdAcksOf(broker, "single"); // a backlog builds while every message is committed
        Set<String> returned;
        // A backlog that takes seconds to drain even on a fast machine, so the kill lands while it drains.
        try (ChildJvm first = ChildJvm.start(this.work, "sqlite", directory.toString(), broker.tcpUrl(), "single",
                "8000", "0", "1")) {
            await().atMost(TIMEOUT).until(() -> first.isDone() || !first.isAlive());
            assertThat(first.isAlive()).as(first.log()).isTrue();
            broker.releaseAcks();
            await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(10))
                .until(() -> received(broker, "single").size() >= ACKED_BEFORE_HOLD + 300);
            returned = first.kill();
        }
        int beforeRestart = received(broker, "single").size();
        try (ChildJvm second = ChildJvm.start(this.work, "sqlite", directory.toString(), broker.tcpUrl(),
                "single-restarted", "0", "0", "1")) {
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(received(broker, "single")).as(second.log())
                .containsAll(returned));
        }
        assertThat(returned).as("a backlog was left for the restarted instance").hasSizeGreaterThan(beforeRestart);
        assertDeliveredInOrderWithBoundedDuplicates(broker, "single", 1);
    }

    @Test
    void postgresInstanceKilledWhileSendingIsDeliveredBySurvivorsAfterTheLease(EmbeddedPostgresServer postgres,
            EmbeddedMqttBroker broker) throws Exception {
        String url = postgres.jdbcUrl(postgres.createDatabase("kill_nine"));
        migrate(url);
        holdAcksOf(broker, "a");
        // Long enough that a live survivor starved of CPU on a loaded machine keeps its own lane.
        String lease = "3000";
        int survivorCount = 300;
        try (ChildJvm a = ChildJvm.start(this.work, "postgres", url, broker.tcpUrl(), "a", "1000000", lease,
                Integer.toString(WINDOW));
                ChildJvm b = ChildJvm.start(this.work, "postgres", url, broker.tcpUrl(), "b",
                        Integer.toString(survivorCount), lease, Integer.toString(WINDOW));
                ChildJvm c = ChildJvm.start(this.work, "postgres", url, broker.tcpUrl(), "c",
                        Integer.toString(survivorCount), lease, Integer.toString(WINDOW))) {
            Set<String> returned = killAfterBacklog(a);
            await().atMost(TIMEOUT).until(() -> b.isDone() && c.isDone());
            await().atMost(TIMEOUT).untilAsserted(() -> {
                assertThat(received(broker, "a")).as(b.log() + c.log()).containsAll(returned);
                assertThat(received(broker, "b")).containsAll(b.sent());
                assertThat(received(broker, "c")).containsAll(c.sent());
            });
            assertThat(b.sent()).hasSize(survivorCount);
        }
        assertDeliveredInOrderWithBoundedDuplicates(broker, "a", WINDOW);
        assertDeliveredInOrderWithBoundedDuplicates(broker, "b", 0);
        assertDeliveredInOrderWithBoundedDuplicates(broker, "c", 0);
        Set<String> takenOverBy = new HashSet<>();
        broker.publishes("kill/a").stream()
            .filter(p -> number(p) >= ACKED_BEFORE_HOLD + WINDOW)
            .forEach(p -> takenOverBy.add(p.clientId()));
        assertThat(takenOverBy).as("the killed instance's backlog went out through the survivors")
            .isNotEmpty()
            .isSubsetOf("b", "c");
    }

    /** Waits until the child has a backlog behind held acknowledgements, then kills it. */
    private static Set<String> killAfterBacklog(ChildJvm child) throws Exception {
        await().atMost(TIMEOUT).until(() -> child.sentCount() >= SENT_BEFORE_KILL || !child.isAlive());
        assertThat(child.isAlive()).as(child.log()).isTrue();
        Set<String> returned = child.kill();
        assertThat(returned).hasSizeGreaterThanOrEqualTo(SENT_BEFORE_KILL);
        return returned;
    }

    private static void holdAcksOf(EmbeddedMqttBroker broker, String clientId) {
        broker.withholdAcks(p -> p.clientId().equals(clientId) && number(p) >= ACKED_BEFORE_HOLD);
    }

    private static void migrate(String url) {
        try (HikariDataSource dataSource = new HikariDataSource()) {
            dataSource.setJdbcUrl(url);
            dataSource.setUsername("postgres");
            SchemaMigrations.migrate(new JdbcTemplate(dataSource),
                    new TransactionTemplate(new DataSourceTransactionManager(dataSource)), SqlDialect.of(dataSource),
                    "iot_", SharedOutbox.COMPONENT, SharedOutbox.MIGRATIONS);
        }
    }

    private static List<String> received(EmbeddedMqttBroker broker, String instance) {
        return broker.publishes("kill/" + instance).stream().map(RecordedPublish::payloadAsString).toList();
    }

    /** First arrivals in send order; ids that arrived twice at most {@code maxDuplicates}. */
    private static void assertDeliveredInOrderWithBoundedDuplicates(EmbeddedMqttBroker broker, String instance,
            int maxDuplicates) {
        Map<String, Integer> arrivals = new LinkedHashMap<>();
        received(broker, instance).forEach(id -> arrivals.merge(id, 1, Integer::sum));
        List<Integer> firstArrivals = new ArrayList<>();
        arrivals.keySet().forEach(id -> firstArrivals.add(Integer.parseInt(id.substring(id.lastIndexOf('-') + 1))));
        assertThat(firstArrivals).as(instance + ": in order").isSorted();
        assertThat(arrivals.values().stream().filter(n -> n > 1).count()).as(instance + ": duplicates")
            .isLessThanOrEqualTo(maxDuplicates);
    }

    private static int number(RecordedPublish publish) {
        String id = publish.payloadAsString();
        return Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
    }
}
