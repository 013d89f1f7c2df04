package dev.iotspring.core.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.store.IotStore;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.core.store.JdbcOutboundQueue;

import static org.assertj.core.api.Assertions.assertThat;

class IotStorageAutoConfigurationTests {

    @TempDir
    Path directory;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class))
                .withPropertyValues("iot.storage.directory=" + this.directory);
    }

    @Test
    void appWithoutDataSourceStartsWithoutOneAndOpensNoFileUntilAPlatformAsks() {
        runner().run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(IotStores.class).doesNotHaveBean(DataSource.class);
            try (var files = Files.list(this.directory)) {
                assertThat(files).isEmpty();
            }
            IotStore store = context.getBean(IotStores.class).open("spotflow");
            store.outboundQueue("messages").offer(OutboundMessage.of("1", "t", new byte[1]));
            assertThat(this.directory.resolve("spotflow.db")).exists();
            assertThat(context.getBeansOfType(DataSource.class)).isEmpty();
        });
    }

    @Test
    void applicationDataSourceStaysTheOnlyInjectableOneAndIsNotTouched() {
        runner().withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
                .withPropertyValues("spring.datasource.url=jdbc:h2:mem:app;DB_CLOSE_DELAY=-1")
                .withUserConfiguration(UsesDataSource.class)
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(DataSource.class);
                    DataSource appDataSource = context.getBean(DataSource.class);
                    assertThat(context.getBean(UsesDataSource.class).dataSource).isSameAs(appDataSource);
                    context.getBean(IotStores.class).open("stellanow").outboundQueue("events")
                            .offer(OutboundMessage.of("1", "t", new byte[1]));
                    assertThat(context.getBeansOfType(DataSource.class)).containsOnlyKeys("dataSource");
                    try (Connection c = appDataSource.getConnection()) {
                        assertThat(c.getMetaData().getURL()).startsWith("jdbc:h2:mem:app");
                    }
                    Integer tables = new JdbcTemplate(appDataSource).queryForObject(
                            "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC'",
                            Integer.class);
                    assertThat(tables).as("nothing created in the application's database").isZero();
                });
    }

    @Test
    void propertiesBindToTheSqliteUrl() {
        runner().withPropertyValues("iot.storage.synchronous=normal", "iot.storage.busy-timeout=2s").run(context -> {
            IotStores stores = context.getBean(IotStores.class);
            assertThat(stores.getDirectory()).isEqualTo(this.directory);
            assertThat(stores.jdbcUrl(this.directory.resolve("x.db"))).contains("journal_mode=WAL",
                    "synchronous=normal", "busy_timeout=2000");
            IotStore store = stores.open("x");
            assertThat(store.jdbcClient().sql("PRAGMA journal_mode").query(String.class).single()).isEqualTo("wal");
            assertThat(store.jdbcClient().sql("PRAGMA synchronous").query(Integer.class).single()).isEqualTo(1);
            assertThat(store.jdbcClient().sql("PRAGMA busy_timeout").query(Integer.class).single()).isEqualTo(2000);
        });
    }

    @Test
    void synchronousIsFullByDefault() {
        runner().run(context -> {
            IotStore store = context.getBean(IotStores.class).open("x");
            assertThat(store.jdbcClient().sql("PRAGMA synchronous").query(Integer.class).single()).isEqualTo(2);
        });
    }

    @Test
    void aQueueKeepsItsAcknowledgementJournalBesideTheFileWhateverTheDeprecatedDeferredDeletesProperty() {
        for (String deferred : List.of("true", "false")) {
            runner().withPropertyValues("iot.storage.deferred-deletes=" + deferred).run(context -> {
                assertThat(context).hasNotFailed();
                context.getBean(IotStores.class).open("x").outboundQueue("q" + deferred);
                assertThat(this.directory.resolve("x.db-acks-q" + deferred)).exists();
            });
        }
    }

    @Test
    void theWriteAheadLogIsCopiedIntoTheDatabaseOnceItReachesTheConfiguredSize() {
        // 200 commits of a 2 KB row: at least 800 KB of log without a checkpoint.
        runner().withPropertyValues("iot.storage.wal-checkpoint-size=64KB").run(context -> {
            IotStore store = context.getBean(IotStores.class).open("small");
            assertThat(checkpointPages(store)).isEqualTo(16);
            assertThat(walSizeAfterCommits(store, 200)).as("log bytes on disk").isLessThan(2 * 64 * 1024);
        });
        runner().withPropertyValues("iot.storage.synchronous=normal").run(context -> {
            IotStore store = context.getBean(IotStores.class).open("normal");
            assertThat(checkpointPages(store)).isEqualTo(32 * 1024 * 1024 / 4096);
            assertThat(walSizeAfterCommits(store, 200)).as("log bytes on disk").isGreaterThan(200 * 4096);
        });
    }

    @Test
    void underSynchronousFullTheCheckpointSizeIsSqlitesOwn() {
        runner().run(context -> {
            IotStore store = context.getBean(IotStores.class).open("x");
            assertThat(checkpointPages(store)).isEqualTo(1000);
        });
    }

    private static int checkpointPages(IotStore store) {
        return store.jdbcClient().sql("PRAGMA wal_autocheckpoint").query(Integer.class).single();
    }

    private long walSizeAfterCommits(IotStore store, int commits) throws Exception {
        store.jdbcClient().sql("CREATE TABLE wal_probe (id INTEGER PRIMARY KEY, body BLOB)").update();
        for (int i = 0; i < commits; i++) {
            store.jdbcClient().sql("INSERT INTO wal_probe (body) VALUES (?)").param(new byte[2048]).update();
        }
        return Files.size(this.directory.resolve(store.getName() + ".db-wal"));
    }

    @Test
    void aWalCheckpointSizeBelowOnePageFailsNamingTheProperty() {
        runner().withPropertyValues("iot.storage.wal-checkpoint-size=1KB").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(IotConfigurationException.class)
                    .hasMessageContaining("iot.storage.wal-checkpoint-size").hasMessageContaining("4KB");
        });
    }

    @Test
    void invalidBusyTimeoutFailsNamingTheProperty() {
        runner().withPropertyValues("iot.storage.busy-timeout=-1s").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(IotConfigurationException.class)
                    .hasMessageContaining("iot.storage.busy-timeout");
        });
    }

    @Test
    void backsOffFromAUserDefinedFactory() {
        runner().withBean("myStores", IotStores.class,
                () -> new IotStores(this.directory.resolve("mine"), IotStorageProperties.SynchronousMode.NORMAL,
                        java.time.Duration.ofSeconds(1)))
                .run(context -> assertThat(context).hasSingleBean(IotStores.class).hasBean("myStores"));
    }

    @Test
    void noStoresWithoutSqliteOnTheClasspath() {
        runner().withClassLoader(new FilteredClassLoader("org.sqlite."))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(IotStores.class));
    }

    @Test
    void storesCloseAfterTheBeansUsingThem() {
        List<String> events = new ArrayList<>();
        runner().withUserConfiguration(StoreUserConfiguration.class)
                .withBean("events", List.class, () -> events)
                .run(context -> assertThat(context).hasNotFailed());
        assertThat(events).containsExactly("queue still writable at destroy: 1 row");
    }

    static class UsesDataSource {

        final DataSource dataSource;

        UsesDataSource(DataSource dataSource) {
            this.dataSource = dataSource;
        }
    }

    /** Writes to its durable queue while being destroyed, as a platform's drain does. */
    static class StoreUser implements DisposableBean {

        private final JdbcOutboundQueue queue;

        private final List<String> events;

        StoreUser(JdbcOutboundQueue queue, List<String> events) {
            this.queue = queue;
            this.events = events;
        }

        @Override
        public void destroy() {
            this.queue.offer(OutboundMessage.of("late", "t", new byte[1]));
            this.events.add("queue still writable at destroy: " + this.queue.size() + " row");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class StoreUserConfiguration {

        @Bean
        @SuppressWarnings("unchecked")
        StoreUser storeUserBean(IotStores stores, @org.springframework.beans.factory.annotation.Qualifier("events")
        List<?> events) {
            return new StoreUser(stores.open("user").outboundQueue("q"), (List<String>) events);
        }
    }
}
