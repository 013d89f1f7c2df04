package dev.iotspring.core.autoconfigure;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.actuate.autoconfigure.context.properties.ConfigurationPropertiesReportEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.env.EnvironmentEndpointAutoConfiguration;
import org.springframework.boot.actuate.context.properties.ConfigurationPropertiesReportEndpoint;
import org.springframework.boot.actuate.env.EnvironmentEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.iotspring.spotflow.autoconfigure.SpotflowAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application that shows values in {@code /actuator/env} and {@code /actuator/configprops}
 * ({@code show-values=always}) still shows none of the platforms' secrets; Spotflow stands for every platform.
 */
class IotSecretsSanitizingFunctionTests {

    @TempDir
    Path storage;

    // Nothing listens on port 1: provisioning retries in the background while the endpoints are read.
    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class, SpotflowAutoConfiguration.class,
                    EndpointAutoConfiguration.class, ConfigurationPropertiesReportEndpointAutoConfiguration.class,
                    EnvironmentEndpointAutoConfiguration.class))
            .withPropertyValues("iot.spotflow.enabled=true", "my.vault.token=pt-from-the-vault-123",
                    "iot.spotflow.provisioning-token=${my.vault.token}", "iot.spotflow.instance=http://127.0.0.1:1",
                    "iot.spotflow.device-id=pump-07", "iot.storage.directory=" + this.storage,
                    "iot.shutdown.drain-timeout=100ms", "IOT_ASTARTE_PAIRING_PRIVATEKEY=-----BEGIN PRIVATE KEY-----x",
                    "management.endpoint.env.show-values=always", "management.endpoint.configprops.show-values=always",
                    "management.endpoints.jmx.exposure.include=env,configprops", "spring.jmx.enabled=true");
    }

    @Test
    void environmentEndpointShowsNoIotSecretUnderAnyName() {
        runner().run((context) -> {
            String report = json(context.getBean(EnvironmentEndpoint.class).environment(null));
            // Under its own name, under the name a placeholder read it from, and in environment-variable form.
            assertThat(report).doesNotContain("pt-from-the-vault-123", "BEGIN PRIVATE KEY");
            assertThat(report).contains("pump-07", "http://127.0.0.1:1");
        });
    }

    @Test
    void configurationPropertiesEndpointShowsNoIotSecret() {
        runner().run((context) -> {
            String report = json(context.getBean(ConfigurationPropertiesReportEndpoint.class).configurationProperties());
            assertThat(report).contains("provisioningToken").doesNotContain("pt-from-the-vault-123");
            assertThat(report).contains("pump-07");
        });
    }

    @Test
    void recognisesSecretNamesInEveryBoundForm() {
        assertThat(IotSecretsSanitizingFunction.isSecretKey("iot.astarte.pairing.private-key")).isTrue();
        assertThat(IotSecretsSanitizingFunction.isSecretKey("iot.astarte.pairing.privateKey")).isTrue();
        assertThat(IotSecretsSanitizingFunction.isSecretKey("IOT_ASTARTE_PAIRING_PRIVATEKEY")).isTrue();
        assertThat(IotSecretsSanitizingFunction.isSecretKey("iot.stream-sea.jwt.token")).isTrue();
        assertThat(IotSecretsSanitizingFunction.isSecretKey("iot.stream-sea.client-secret")).isTrue();
        assertThat(IotSecretsSanitizingFunction.isSecretKey("iot.astarte.credentials-secret")).isTrue();
        assertThat(IotSecretsSanitizingFunction.isSecretKey("iot.stellanow.auth.password")).isTrue();
        assertThat(IotSecretsSanitizingFunction.isSecretKey("iot.spotflow.token-check-interval")).isFalse();
        assertThat(IotSecretsSanitizingFunction.isSecretKey("spring.datasource.password")).isFalse();
    }

    // The reports as the endpoints show them, values included.
    private static String json(Object report) {
        return JsonMapper.builder().build().writeValueAsString(report);
    }
}
