package dev.iotspring.core.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * Settings every platform shares: storage and shutdown. Platform auto-configurations run after it.
 */
@AutoConfiguration
@EnableConfigurationProperties({ IotStorageProperties.class, IotShutdownProperties.class })
public final class IotCoreAutoConfiguration {

    IotCoreAutoConfiguration() {
    }
}
