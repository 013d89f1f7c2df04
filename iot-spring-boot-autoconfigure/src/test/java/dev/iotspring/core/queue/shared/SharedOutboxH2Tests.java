package dev.iotspring.core.queue.shared;

import java.time.Duration;
import java.util.List;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueuedMessage;

import static dev.iotspring.core.queue.shared.SharedOutboxPostgresTests.ids;
import static dev.iotspring.core.queue.shared.SharedOutboxPostgresTests.messages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/** The shared outbox's SQL on H2 (fast, in memory); the full behaviour is tested on PostgreSQL. */
class SharedOutboxH2Tests {

    @Test
    void lanesAndTakeOverWorkOnH2() {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:shared-outbox-h2;DB_CLOSE_DELAY=-1");
        try (SharedOutbox deadOutbox = new SharedOutbox(dataSource, "iot_", "dead", Duration.ofMillis(300));
                SharedOutbox survivorOutbox = new SharedOutbox(dataSource, "iot_", "survivor",
                        Duration.ofMillis(300))) {
            SharedOutboxQueue dead = deadOutbox.open("events", 0, OverflowStrategy.RAISE_EXCEPTION);
            SharedOutboxQueue survivor = survivorOutbox.open("events", 0, OverflowStrategy.RAISE_EXCEPTION);
            dead.offerAll(messages("d", 3));
            survivor.offerAll(messages("s", 2));
            assertThat(ids(dead.poll(1))).containsExactly("d0");
            deadOutbox.close();
            await().atMost(Duration.ofSeconds(30)).until(() -> survivor.heldLanes().contains("dead"));
            List<QueuedMessage> all = survivor.poll(10);
            assertThat(ids(all)).containsExactly("d0", "d1", "d2", "s0", "s1");
            survivor.requeue(all.subList(2, 5));
            survivor.ack(all.subList(0, 2));
            assertThat(ids(survivor.poll(10))).as("requeued at their place, acked ones gone")
                .containsExactly("d2", "s0", "s1");
            // Recounted at every lease tick.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(survivor.size()).isEqualTo(3));
            survivor.close();
        }
    }

    @Test
    void sqliteIsRefusedWithTheDatabaseName() {
        org.sqlite.SQLiteDataSource sqlite = new org.sqlite.SQLiteDataSource();
        sqlite.setUrl("jdbc:sqlite::memory:");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new SharedOutbox(sqlite, "iot_", "a", Duration.ofSeconds(10)))
            .withMessageContaining("PostgreSQL")
            .withMessageContaining("SQLite");
    }
}
