package dev.iotspring.astarte.autoconfigure;

import java.time.Instant;

import dev.iotspring.astarte.AstarteDeviceClient;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of the Astarte device ({@code astarte}): paired, certificate expiry, connected, queued and dropped
 * values, last error. UP while reconnecting (values wait in the queue); DOWN only when the device cannot pair.
 */
public class AstarteHealthIndicator implements HealthIndicator {

    private final AstarteDeviceClient device;

    public AstarteHealthIndicator(AstarteDeviceClient device) {
        this.device = device;
    }

    @Override
    public Health health() {
        String storeError = this.device.storeError();
        boolean paired = false;
        int queued = 0;
        long dropped = 0;
        if (storeError == null) {
            try {
                paired = this.device.isPaired();
                queued = this.device.pendingMessages();
                dropped = this.device.droppedMessages();
            }
            catch (RuntimeException ex) {
                storeError = ex.toString(); // the store or the durable queue failed to open meanwhile
            }
        }
        if (storeError != null) {
            // Nothing of the device works without its store: pairing stopped, sends fail with this error.
            return Health.down()
                .withDetail("deviceId", this.device.getDeviceId())
                .withDetail("connected", false)
                .withDetail("lastError", storeError)
                .build();
        }
        Health.Builder health = paired ? Health.up() : Health.down();
        health.withDetail("deviceId", this.device.getDeviceId())
            .withDetail("paired", paired)
            .withDetail("connected", this.device.isConnected())
            .withDetail("queued", queued)
            .withDetail("dropped", dropped);
        Instant notAfter = this.device.certificateNotAfter();
        if (notAfter != null) {
            health.withDetail("certificateExpiry", notAfter.toString());
        }
        String error = this.device.lastError();
        if (error != null) {
            health.withDetail("lastError", error);
        }
        return health.build();
    }
}
