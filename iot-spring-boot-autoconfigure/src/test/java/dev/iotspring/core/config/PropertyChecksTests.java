package dev.iotspring.core.config;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.boot.ssl.SslBundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class PropertyChecksTests {

    @Test
    void requirePositiveRefusesNullZeroAndNegativeDurations() {
        assertThat(PropertyChecks.requirePositive(Duration.ofMillis(1), "iot.x.timeout", "timeout: 5s"))
            .isEqualTo(Duration.ofMillis(1));
        for (Duration bad : new Duration[] { null, Duration.ZERO, Duration.ofSeconds(-1) }) {
            assertThatExceptionOfType(IotConfigurationException.class)
                .isThrownBy(() -> PropertyChecks.requirePositive(bad, "iot.x.timeout", "timeout: 5s"))
                .satisfies((ex) -> {
                    assertThat(ex.getProperty()).isEqualTo("iot.x.timeout");
                    assertThat(ex.getMessage()).contains("must be a positive duration");
                    assertThat(ex.getExample()).isEqualTo("timeout: 5s");
                });
        }
    }

    @Test
    void requireSslBundleNamesThePropertyWhenBundlesOrTheBundleAreMissing() {
        DefaultSslBundleRegistry bundles = new DefaultSslBundleRegistry("present", SslBundle.systemDefault());
        assertThat(PropertyChecks.requireSslBundle(bundles, "present", "iot.x.ssl.bundle", "ex"))
            .isSameAs(bundles.getBundle("present"));
        assertThatExceptionOfType(IotConfigurationException.class)
            .isThrownBy(() -> PropertyChecks.requireSslBundle(bundles, "absent", "iot.x.ssl.bundle", "ex"))
            .satisfies((ex) -> {
                assertThat(ex.getProperty()).isEqualTo("iot.x.ssl.bundle");
                assertThat(ex.getMessage()).contains("there is no SSL bundle named 'absent'");
            });
        assertThatExceptionOfType(IotConfigurationException.class)
            .isThrownBy(() -> PropertyChecks.requireSslBundle(null, "absent", "iot.x.ssl.bundle", "ex"))
            .satisfies((ex) -> assertThat(ex.getMessage()).contains("no SSL bundles are configured"));
    }
}
