package dev.iotspring.core.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.iotspring.core.config.IotConfigurationException;
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

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = { "org.springframework.jdbc.core.JdbcTemplate", "com.zaxxer.hikari.HikariDataSource",
            "org.sqlite.JDBC" })
    static class StorageConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        IotStores iotStores(IotStorageProperties properties) {
            if (properties.getDirectory() == null || properties.getDirectory().toString().isBlank()) {
                throw new IotConfigurationException("iot.storage.directory", "a directory is required",
                        "iot:\n  storage:\n    directory: /var/lib/my-app/iot");
            }
            if (properties.getBusyTimeout() == null || properties.getBusyTimeout().isNegative()) {
                throw new IotConfigurationException("iot.storage.busy-timeout", "must be zero or positive",
                        "iot:\n  storage:\n    busy-timeout: 5s");
            }
            return new IotStores(properties.getDirectory(), properties.getSynchronous(),
                    properties.getBusyTimeout());
        }
    }
}
