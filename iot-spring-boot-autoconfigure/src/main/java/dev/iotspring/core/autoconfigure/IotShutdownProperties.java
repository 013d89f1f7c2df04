package dev.iotspring.core.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How long shutdown waits for outbound queues to drain.
 */
@ConfigurationProperties("iot.shutdown")
public class IotShutdownProperties {

    /**
     * Time every platform gets to send what is queued when the application stops. Messages still in a
     * durable queue after it stay there for the next start; an in-memory queue logs how many it lost. Keep it
     * below spring.lifecycle.timeout-per-shutdown-phase.
     */
    private Duration drainTimeout = Duration.ofSeconds(30);

    public Duration getDrainTimeout() {
        return this.drainTimeout;
    }

    public void setDrainTimeout(Duration drainTimeout) {
        this.drainTimeout = drainTimeout;
    }
}
