package dev.iotspring.core.autoconfigure;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class IotBackgroundPreinitializerTests {

    @Test
    void onlyAnEnabledPlatformWarmsItsLibrariesUp() {
        assertThat(IotBackgroundPreinitializer.anyPlatformEnabled(environment(Map.of()))).isFalse();
        assertThat(IotBackgroundPreinitializer
            .anyPlatformEnabled(environment(Map.of("iot.astarte.enabled", "false", "iot.storage.directory", "x"))))
            .isFalse();
        assertThat(IotBackgroundPreinitializer.anyPlatformEnabled(environment(Map.of("iot.stream-sea.enabled", "true"))))
            .isTrue();
    }

    @Test
    void nettyTlsIsWarmedUpOnlyForABundleUsedOnTheStartupThread() {
        assertThat(IotBackgroundPreinitializer.startupThreadBuildsTls(environment(Map.of("iot.astarte.enabled", "true",
                "iot.astarte.ssl.bundle", "a", "iot.spotflow.enabled", "true", "iot.spotflow.ssl.bundle", "s"))))
            .isFalse();
        assertThat(IotBackgroundPreinitializer
            .startupThreadBuildsTls(environment(Map.of("iot.stellmap.enabled", "false", "iot.stellmap.ssl.bundle", "m"))))
            .isFalse();
        assertThat(IotBackgroundPreinitializer
            .startupThreadBuildsTls(environment(Map.of("iot.stream-sea.enabled", "true", "iot.stream-sea.ssl.bundle", "m"))))
            .isTrue();
    }

    @Test
    void theSqliteDriverIsWarmedUpOnlyWhereAnEnabledPlatformOpensASqliteFile() {
        assertThat(IotBackgroundPreinitializer.opensSqliteStore(environment(Map.of("iot.stellmap.enabled", "true",
                "iot.stellanow.enabled", "true", "iot.stream-sea.enabled", "true"))))
            .as("memory queues only")
            .isFalse();
        assertThat(IotBackgroundPreinitializer.opensSqliteStore(
                environment(Map.of("iot.stellanow.enabled", "false", "iot.stellanow.queue.type", "durable"))))
            .as("a durable queue of a disabled platform")
            .isFalse();
        assertThat(IotBackgroundPreinitializer.opensSqliteStore(
                environment(Map.of("iot.stream-sea.enabled", "true", "iot.stream-sea.queue.type", "DURABLE"))))
            .isTrue();
        assertThat(IotBackgroundPreinitializer.opensSqliteStore(environment(Map.of("iot.stellanow.enabled", "true",
                "iot.stellanow.queue.type", "durable", "iot.storage.data-source", "application"))))
            .as("durable queues in the application's database")
            .isFalse();
        assertThat(IotBackgroundPreinitializer.opensSqliteStore(environment(Map.of("iot.astarte.enabled", "true"))))
            .isTrue();
        assertThat(IotBackgroundPreinitializer.opensSqliteStore(environment(Map.of("iot.spotflow.enabled", "true",
                "iot.storage.data-source", "application"))))
            .as("Spotflow's credentials and queue stay in its SQLite file")
            .isTrue();
    }

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return environment;
    }
}
