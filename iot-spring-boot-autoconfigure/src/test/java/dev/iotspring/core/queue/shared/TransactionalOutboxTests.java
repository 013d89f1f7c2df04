package dev.iotspring.core.queue.shared;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttConnectionSettings;
import dev.iotspring.core.mqtt.MqttEndpoint;
import dev.iotspring.core.mqtt.MqttMessageSender;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.mqtt.EnableEmbeddedMqttBroker;
import dev.iotspring.test.mqtt.RecordedPublish;
import dev.iotspring.test.postgres.EmbeddedPostgresExtension;
import dev.iotspring.test.postgres.EmbeddedPostgresServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * {@code iot.storage.data-source=application} on a real PostgreSQL: durable queues live in the shared outbox on
 * the application's DataSource, and a message sent inside the application's {@code @Transactional} method reaches
 * the broker only if that transaction commits.
 */
@EnableEmbeddedMqttBroker
@ExtendWith(EmbeddedPostgresExtension.class)
class TransactionalOutboxTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
                IotCoreAutoConfiguration.class));

    @Test
    void aMessageSentInsideATransactionIsSentOnlyIfTheTransactionCommits(EmbeddedPostgresServer postgres,
            EmbeddedMqttBroker broker) {
        String database = postgres.createDatabase("tx_outbox");
        this.runner.withUserConfiguration(OrdersApplication.class)
            .withPropertyValues("spring.datasource.url=" + postgres.jdbcUrl(database),
                    "spring.datasource.username=postgres", "iot.storage.data-source=application",
                    "iot.storage.instance-id=orders-1", "test.broker=" + broker.tcpUrl())
            .run(context -> {
                assertThat(context).hasNotFailed();
                Orders orders = context.getBean(Orders.class);
                Dispatcher dispatcher = context.getBean(Dispatcher.class);
                assertThat(dispatcher.getQueue()).isInstanceOf(SharedOutboxQueue.class);

                orders.place(1, false);
                assertThat(broker.awaitPublishes(TransactionalOutboxTests::isOrder, 1, TIMEOUT).get(0).payload()).asString().isEqualTo("order 1");

                assertThatIllegalStateException().isThrownBy(() -> orders.place(2, true));
                orders.place(3, false);
                // One producer's messages arrive in order: order 3 after order 2, had order 2 been sent.
                assertThat(broker.awaitPublishes(TransactionalOutboxTests::isOrder, 2, TIMEOUT)).extracting(p -> new String(p.payload()))
                    .containsExactly("order 1", "order 3");
                assertThat(dispatcher.flush(TIMEOUT)).isTrue();
                JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
                assertThat(jdbc.queryForList("SELECT id FROM orders ORDER BY id", Integer.class)).containsExactly(1, 3);
                assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM iot_shared_outbox", Integer.class)).isZero();
                assertThat(jdbc.queryForList("SELECT producer FROM iot_outbox_lease", String.class))
                    .containsExactly("orders-1");
            });
    }

    @Test
    void applicationWithoutADataSourceFailsNamingTheProperty() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class))
            .withPropertyValues("iot.storage.data-source=application")
            .run(context -> assertThat(context).getFailure()
                .rootCause()
                .isInstanceOf(IotConfigurationException.class)
                .hasMessageContaining("iot.storage.data-source"));
    }

    // The broker is shared with other test classes (the kill -9 tests' children among them): only this
    // application's topic counts.
    private static boolean isOrder(RecordedPublish publish) {
        return publish.topic().equals("orders");
    }

    @Configuration(proxyBeanMethods = false)
    static class OrdersApplication {

        @Bean
        JdbcTemplate jdbcTemplate(javax.sql.DataSource dataSource) {
            return new JdbcTemplate(dataSource);
        }

        @Bean
        MqttConnection connection(org.springframework.core.env.Environment environment) {
            return new MqttConnection(MqttConnectionSettings
                .builder(MqttEndpoint.parse(environment.getRequiredProperty("test.broker")), "orders-1")
                .build());
        }

        @Bean
        Dispatcher dispatcher(IotStores stores, MqttConnection connection) {
            return Dispatcher
                .builder("orders", stores.durableQueue("orders", "events", 0, OverflowStrategy.RAISE_EXCEPTION),
                        new MqttMessageSender(connection))
                .drainTimeout(TIMEOUT)
                .build();
        }

        @Bean
        Orders orders(JdbcTemplate jdbc, Dispatcher dispatcher) {
            return new Orders(jdbc, dispatcher);
        }
    }

    static class Orders {

        final JdbcTemplate jdbc;

        final Dispatcher dispatcher;

        Orders(JdbcTemplate jdbc, Dispatcher dispatcher) {
            this.jdbc = jdbc;
            this.dispatcher = dispatcher;
            jdbc.execute("CREATE TABLE IF NOT EXISTS orders (id INT PRIMARY KEY)");
        }

        /** The application's own business method: its row and its message commit or roll back together. */
        @Transactional
        public void place(int id, boolean fail) {
            this.jdbc.update("INSERT INTO orders (id) VALUES (?)", id);
            this.dispatcher.send(OutboundMessage.of("order-" + id, "orders", ("order " + id).getBytes()));
            if (fail) {
                throw new IllegalStateException("payment declined");
            }
        }

        public Dispatcher dispatcher() {
            return this.dispatcher;
        }
    }
}
