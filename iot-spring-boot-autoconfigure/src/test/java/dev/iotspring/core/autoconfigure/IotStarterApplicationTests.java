package dev.iotspring.core.autoconfigure;

import java.nio.file.Path;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.store.IotStore;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.core.store.JdbcOutboundQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A whole application with every auto-configuration on the test classpath (Boot's JDBC auto-configuration with
 * H2 among them): the application's DataSource is Boot's, the only injectable one; the durable queue lives in
 * the starter's SQLite file and survives a restart of the application.
 */
class IotStarterApplicationTests {

    @TempDir
    Path directory;

    @Test
    void applicationKeepsItsOwnDataSourceAndTheQueueSurvivesARestart() {
        String[] properties = { "iot.storage.directory=" + this.directory,
                "spring.datasource.url=jdbc:h2:mem:boot;DB_CLOSE_DELAY=-1" };
        try (ConfigurableApplicationContext context = run(properties)) {
            assertThat(context.getBeansOfType(DataSource.class)).containsOnlyKeys("dataSource");
            DataSource app = context.getBean(DataSource.class);
            new JdbcTemplate(app).execute("CREATE TABLE orders (id INT PRIMARY KEY)");
            IotStore store = context.getBean(IotStores.class).open("stellanow");
            JdbcOutboundQueue queue = store.outboundQueue("events");
            queue.offer(OutboundMessage.of("kept", "t", new byte[] { 7 }));
            // Opening the store registered no DataSource and wrote nothing into the application's database.
            assertThat(context.getBeansOfType(DataSource.class)).containsOnlyKeys("dataSource");
            assertThat(store.getDataSource()).isNotSameAs(app);
            assertThat(new JdbcTemplate(app).queryForObject("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES "
                    + "WHERE LOWER(TABLE_NAME) LIKE '%outbox%'", Integer.class)).isZero();
        }
        try (ConfigurableApplicationContext context = run(properties)) {
            JdbcOutboundQueue queue = context.getBean(IotStores.class).open("stellanow").outboundQueue("events");
            assertThat(queue.poll(10)).extracting(q -> q.message().id()).containsExactly("kept");
            assertThat(new JdbcTemplate(context.getBean(DataSource.class))
                    .queryForObject("SELECT COUNT(*) FROM orders", Integer.class)).isZero();
        }
    }

    private static ConfigurableApplicationContext run(String... properties) {
        return new SpringApplicationBuilder(TestApplication.class).web(WebApplicationType.NONE)
                .properties(properties).run();
    }

    /** Auto-configuration only, no component scan (the test package holds other tests' configurations). */
    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class TestApplication {
    }
}
