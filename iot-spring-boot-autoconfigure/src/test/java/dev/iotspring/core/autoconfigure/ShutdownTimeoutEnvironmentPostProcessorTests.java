package dev.iotspring.core.autoconfigure;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class ShutdownTimeoutEnvironmentPostProcessorTests {

    private final ShutdownTimeoutEnvironmentPostProcessor processor = new ShutdownTimeoutEnvironmentPostProcessor();

    @Test
    void phaseTimeoutLeavesRoomForTheDefaultDrain() {
        StandardEnvironment environment = environment(Map.of());
        this.processor.postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty("spring.lifecycle.timeout-per-shutdown-phase")).isEqualTo("40000ms");
    }

    @Test
    void phaseTimeoutFollowsAConfiguredDrain() {
        StandardEnvironment environment = environment(Map.of("iot.shutdown.drain-timeout", "2m"));
        this.processor.postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty("spring.lifecycle.timeout-per-shutdown-phase")).isEqualTo("130000ms");
    }

    @Test
    void applicationSettingWins() {
        StandardEnvironment environment = environment(
                Map.of("iot.shutdown.drain-timeout", "2m", "spring.lifecycle.timeout-per-shutdown-phase", "5s"));
        this.processor.postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty("spring.lifecycle.timeout-per-shutdown-phase")).isEqualTo("5s");
    }

    @Test
    void badDrainValueIsLeftToPropertyBinding() {
        StandardEnvironment environment = environment(Map.of("iot.shutdown.drain-timeout", "soon"));
        this.processor.postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.containsProperty("spring.lifecycle.timeout-per-shutdown-phase")).isFalse();
    }

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return environment;
    }
}
