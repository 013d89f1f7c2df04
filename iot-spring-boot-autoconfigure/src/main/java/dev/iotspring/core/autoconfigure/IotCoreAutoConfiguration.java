package dev.iotspring.core.autoconfigure;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.unit.DataSize;

import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.config.PropertyChecks;
import dev.iotspring.core.queue.shared.SharedOutbox;
import dev.iotspring.core.store.IotStores;

/**
 * Settings every platform shares: storage and shutdown. Platform auto-configurations run after it.
 *
 * <p>With spring-jdbc, HikariCP and sqlite-jdbc on the classpath it also provides {@link IotStores}, the factory
 * platforms open their SQLite file with. It opens nothing by itself and is not a DataSource: an application
 * without a DataSource stays without one, and an application's own DataSource stays the only injectable one.
 * Platform beans that use a store depend on this bean, so their stores close after them.
 */
@AutoConfiguration
@EnableConfigurationProperties({ IotStorageProperties.class, IotShutdownProperties.class })
public final class IotCoreAutoConfiguration {

    IotCoreAutoConfiguration() {
    }

    /** Keeps the platforms' secrets out of {@code /actuator/configprops} and {@code /actuator/env}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
    static class ActuatorConfiguration {

        @Bean
        @ConditionalOnMissingBean
        IotSecretsSanitizingFunction iotSecretsSanitizingFunction(ConfigurableEnvironment environment) {
            return new IotSecretsSanitizingFunction(environment);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = { "org.springframework.jdbc.core.JdbcTemplate", "com.zaxxer.hikari.HikariDataSource",
            "org.sqlite.JDBC" })
    static class StorageConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        IotStores iotStores(IotStorageProperties properties, ObjectProvider<DataSource> dataSources) {
            if (properties.getDirectory() == null || properties.getDirectory().toString().isBlank()) {
                throw new IotConfigurationException("iot.storage.directory", "a directory is required",
                        "iot:\n  storage:\n    directory: /var/lib/my-app/iot");
            }
            if (properties.getBusyTimeout() == null || properties.getBusyTimeout().isNegative()) {
                throw new IotConfigurationException("iot.storage.busy-timeout", "must be zero or positive",
                        "iot:\n  storage:\n    busy-timeout: 5s");
            }
            DataSize walCheckpointSize = properties.getWalCheckpointSize();
            PropertyChecks.requireState(
                    walCheckpointSize == null || walCheckpointSize.toBytes() >= IotStores.PAGE_SIZE,
                    "iot.storage.wal-checkpoint-size", "must be at least one page (4KB)",
                    PropertyChecks.yaml("iot.storage", "wal-checkpoint-size: 32MB"));
            IotStores stores = new IotStores(properties.getDirectory(), properties.getSynchronous(),
                    properties.getBusyTimeout());
            stores.setWalCheckpointSize(walCheckpointSize);
            if (properties.getDataSource() == IotStorageProperties.DataSourceKind.APPLICATION) {
                stores.useDurableQueues(sharedOutbox(properties, dataSources.getIfUnique()));
            }
            return stores;
        }

        private static SharedOutbox sharedOutbox(IotStorageProperties properties, @Nullable DataSource dataSource) {
            String example = PropertyChecks.yaml("iot.storage", "data-source: application", "table-prefix: iot_",
                    "lease: 10s");
            PropertyChecks.requireState(dataSource != null, "iot.storage.data-source",
                    "application needs the application's DataSource (one DataSource bean, e.g. spring.datasource.url "
                            + "of a PostgreSQL database)",
                    example);
            PropertyChecks.requireState(properties.getTablePrefix() != null
                    && properties.getTablePrefix().matches("[A-Za-z0-9_]{0,40}"), "iot.storage.table-prefix",
                    "must be up to 40 letters, digits or underscores", example);
            PropertyChecks.requireState(properties.getLease() != null && properties.getLease().toMillis() >= 300,
                    "iot.storage.lease", "must be at least 300ms", example);
            String instanceId = properties.getInstanceId();
            PropertyChecks.requireState(instanceId == null
                    || instanceId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,179}"), "iot.storage.instance-id",
                    "must be 1 to 180 letters, digits, '.', '_' or '-'", example);
            return new SharedOutbox(dataSource, properties.getTablePrefix(),
                    (instanceId != null) ? instanceId : SharedOutbox.newInstanceId(), properties.getLease());
        }
    }
}
