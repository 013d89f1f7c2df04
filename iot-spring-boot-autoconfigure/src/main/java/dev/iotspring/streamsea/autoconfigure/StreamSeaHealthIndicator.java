package dev.iotspring.streamsea.autoconfigure;

import dev.iotspring.streamsea.StreamSeaConnectionState;
import dev.iotspring.streamsea.StreamSeaTemplate;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of the stream-sea WebSocket. Stays UP while reconnecting (publishing over HTTP still works and a
 * load balancer can do nothing about a remote outage); the details say whether it is connected.
 */
public class StreamSeaHealthIndicator implements HealthIndicator {

    private final StreamSeaTemplate template;

    public StreamSeaHealthIndicator(StreamSeaTemplate template) {
        this.template = template;
    }

    @Override
    public Health health() {
        StreamSeaConnectionState state = this.template.connectionState();
        Health.Builder builder = state.running() ? Health.up() : Health.unknown();
        builder.withDetail("connected", state.connected())
            .withDetail("subscriptions", state.subscriptions())
            .withDetail("lastFrameAt", (state.lastFrameAt() != null) ? state.lastFrameAt().toString() : "never")
            .withDetail("reconnects", state.reconnects())
            .withDetail("received", state.received())
            .withDetail("published", this.template.getPublishedCount());
        if (state.lastError() != null) {
            // Exception messages of this package never carry secrets.
            builder.withDetail("lastError", state.lastError().getMessage());
        }
        return builder.build();
    }
}
