package dev.iotspring.stellmap.autoconfigure;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

import dev.iotspring.stellmap.RegisterRequest;
import dev.iotspring.stellmap.StellMapAutoRegistration;
import dev.iotspring.stellmap.StellMapRegistry;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Registration state for {@code /actuator/health}: registered, last heartbeat, lease remaining, connected.
 * Stays UP while the registry is unreachable or the registration is being retried (a load balancer should keep
 * sending traffic to an application that serves it); the details tell what is going on. No request is made.
 */
public class StellMapHealthIndicator implements HealthIndicator {

    private final StellMapRegistry registry;

    private final @Nullable StellMapAutoRegistration registration;

    public StellMapHealthIndicator(StellMapRegistry registry, @Nullable StellMapAutoRegistration registration) {
        this.registry = registry;
        this.registration = registration;
    }

    @Override
    public Health health() {
        Health.Builder builder = Health.up().withDetail("namespace", this.registry.namespace());
        builder.withDetail("connected", this.registry.isConnected());
        builder.withDetail("cachedServices", this.registry.cachedServices().size());
        if (this.registration == null) {
            return builder.withDetail("autoRegistration", false).build();
        }
        builder.withDetail("registered", this.registration.isRegistered());
        RegisterRequest request = this.registration.registration();
        if (request != null) {
            builder.withDetail("service", request.service()).withDetail("instanceId", request.instanceId());
        }
        Instant last = this.registration.lastRenewal();
        if (last != null) {
            builder.withDetail("lastHeartbeat", last.toString());
        }
        Duration remaining = this.registration.leaseRemaining();
        if (remaining != null) {
            builder.withDetail("leaseRemaining", remaining.isNegative() ? "expired" : remaining.toSeconds() + "s");
        }
        String error = this.registration.lastError();
        if (error != null) {
            builder.withDetail("lastError", error);
        }
        return builder.build();
    }
}
