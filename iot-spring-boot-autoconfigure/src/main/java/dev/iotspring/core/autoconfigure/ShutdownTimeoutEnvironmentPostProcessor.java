package dev.iotspring.core.autoconfigure;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Gives each shutdown phase room for the queue drain. Spring stops waiting for a lifecycle phase after
 * {@code spring.lifecycle.timeout-per-shutdown-phase} (30s by default) and moves on to close connections, so a
 * drain that may take {@code iot.shutdown.drain-timeout} (also 30s by default) would race it. When the
 * application did not set the phase timeout itself, it defaults here to the drain timeout plus a margin for
 * disconnecting. A value the application sets always wins.
 */
class ShutdownTimeoutEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    static final String PHASE_TIMEOUT = "spring.lifecycle.timeout-per-shutdown-phase";

    static final String DRAIN_TIMEOUT = "iot.shutdown.drain-timeout";

    private static final Duration DEFAULT_DRAIN = Duration.ofSeconds(30);

    private static final Duration MARGIN = Duration.ofSeconds(10);

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.containsProperty(PHASE_TIMEOUT)) {
            return;
        }
        String drain = environment.getProperty(DRAIN_TIMEOUT);
        Duration drainTimeout = DEFAULT_DRAIN;
        if (drain != null) {
            try {
                drainTimeout = DurationStyle.detectAndParse(drain);
            }
            catch (IllegalArgumentException ex) {
                // Binding of IotShutdownProperties reports the bad value with the property's name.
                return;
            }
        }
        String phaseTimeout = drainTimeout.plus(MARGIN).toMillis() + "ms";
        environment.getPropertySources()
            .addLast(new MapPropertySource("iotShutdownDefaults", Map.of(PHASE_TIMEOUT, phaseTimeout)));
    }

    @Override
    public int getOrder() {
        // After the config files are loaded, so iot.shutdown.drain-timeout from application.yml is seen.
        return Ordered.LOWEST_PRECEDENCE;
    }
}
