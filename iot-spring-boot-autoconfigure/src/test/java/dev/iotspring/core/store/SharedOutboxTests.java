package dev.iotspring.core.store;

import java.util.List;
import java.util.stream.IntStream;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueuedMessage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A durable queue in an application's own database (H2 here, PostgreSQL in production): tables carry a prefix,
 * several instances share one outbox table under their own queue names, and the store leaves the DataSource
 * open.
 */
class SharedOutboxTests {

    private static JdbcDataSource h2(String name) {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
        return dataSource;
    }

    @Test
    void instancesShareOneOutboxTableUnderTheirOwnQueueNames() throws Exception {
        JdbcDataSource dataSource = h2("shared");
        IotStore instanceA = IotStore.of(dataSource, "iot_");
        IotStore instanceB = IotStore.of(dataSource, "iot_");
        assertThat(instanceA.dialect().binaryType()).isEqualTo("VARBINARY");
        JdbcOutboundQueue a = instanceA.outboundQueue("instance-a");
        JdbcOutboundQueue b = instanceB.outboundQueue("instance-b", 100, OverflowStrategy.DROP_OLDEST);
        a.offerAll(IntStream.range(0, 5).mapToObj(i -> message("a" + i)).toList());
        b.offerAll(IntStream.range(0, 3).mapToObj(i -> message("b" + i)).toList());
        List<QueuedMessage> fromA = a.poll(10);
        assertThat(fromA).extracting(q -> q.message().id()).containsExactly("a0", "a1", "a2", "a3", "a4");
        a.ack(fromA.subList(0, 2));
        a.close();
        instanceA.close();
        try (var c = dataSource.getConnection()) {
            assertThat(c.isClosed()).as("the application's DataSource stays usable").isFalse();
        }
        assertThat(instanceB.jdbcClient().sql("SELECT COUNT(*) FROM iot_outbox").query(Integer.class).single())
                .isEqualTo(6);

        JdbcOutboundQueue reopened = IotStore.of(dataSource, "iot_").outboundQueue("instance-a");
        assertThat(reopened.poll(10)).extracting(q -> q.message().id()).containsExactly("a2", "a3", "a4");
        assertThat(b.poll(10)).extracting(q -> q.message().id()).containsExactly("b0", "b1", "b2");
    }

    @Test
    void offerInsideTheApplicationsTransactionCommitsAndRollsBackWithIt() {
        JdbcDataSource dataSource = h2("tx");
        IotStore store = IotStore.of(dataSource, "iot_");
        JdbcOutboundQueue queue = store.outboundQueue("orders");
        java.util.concurrent.atomic.AtomicInteger arrivals = new java.util.concurrent.atomic.AtomicInteger();
        queue.addArrivalListener(arrivals::incrementAndGet);
        var jdbc = new org.springframework.jdbc.core.JdbcTemplate(dataSource);
        jdbc.execute("CREATE TABLE orders (id INT PRIMARY KEY)");
        var tx = new org.springframework.transaction.support.TransactionTemplate(
                new org.springframework.jdbc.datasource.DataSourceTransactionManager(dataSource));

        queue.offer(message("before"));
        tx.executeWithoutResult(status -> {
            jdbc.update("INSERT INTO orders (id) VALUES (1)");
            queue.offer(message("order-1"));
            // Not committed yet: the dispatcher (another connection) must not see it, later rows go first.
            assertThat(java.util.concurrent.CompletableFuture.supplyAsync(() -> queue.poll(10)).join())
                    .extracting(q -> q.message().id()).containsExactly("before");
            queue.offer(message("order-1b"));
            assertThat(arrivals).as("no wake-up before the commit").hasValue(0);
        });
        assertThat(arrivals).as("wake-up after the commit").hasPositiveValue();
        tx.executeWithoutResult(status -> {
            jdbc.update("INSERT INTO orders (id) VALUES (2)");
            queue.offer(message("order-2"));
            status.setRollbackOnly();
        });
        assertThat(queue.size()).as("before (in flight), order-1, order-1b").isEqualTo(3);
        assertThat(queue.poll(10)).extracting(q -> q.message().id()).containsExactly("order-1", "order-1b");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM orders", Integer.class)).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM iot_outbox", Integer.class)).isEqualTo(3);
    }

    @Test
    void twoWritersOfTheSameQueueNameAreToldSo() {
        JdbcDataSource dataSource = h2("twowriters");
        JdbcOutboundQueue first = IotStore.of(dataSource, "iot_").outboundQueue("same");
        JdbcOutboundQueue second = IotStore.of(dataSource, "iot_").outboundQueue("same");
        first.offer(message("from-first"));
        org.assertj.core.api.Assertions.assertThatIllegalStateException()
                .isThrownBy(() -> second.offer(message("from-second")))
                .withMessageContaining("another process writes the same queue name");
        assertThat(first.poll(10)).extracting(q -> q.message().id()).containsExactly("from-first");
    }

    @Test
    void keyValueStoreWorksOnTheApplicationDatabase() {
        IotStore store = IotStore.of(h2("kv"), "iot_");
        JdbcKeyValueStore kv = store.keyValueStore("astarte");
        kv.put("credentials/secret", new byte[] { 1, 2, 3 });
        kv.putString("credentials/secret", "replaced");
        assertThat(kv.listStrings("credentials/")).containsEntry("credentials/secret", "replaced").hasSize(1);
        assertThat(store.jdbcClient().sql("SELECT version FROM iot_schema_version WHERE component = 'kv'")
                .query(Integer.class).single()).isEqualTo(1);
    }

    private static OutboundMessage message(String id) {
        return OutboundMessage.of(id, "t", id.getBytes());
    }
}
