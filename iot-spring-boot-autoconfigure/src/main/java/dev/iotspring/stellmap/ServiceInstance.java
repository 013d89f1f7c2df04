package dev.iotspring.stellmap;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * A live instance as the server returns it from a query or a watch.
 *
 * @param namespace namespace
 * @param service service name (five-part or opaque)
 * @param serviceName the structured name, when {@code service} is a five-part name
 * @param instanceId instance id, unique within namespace and service
 * @param zone zone, or {@code null}
 * @param labels routing labels (matched by selectors)
 * @param metadata descriptive metadata
 * @param endpoints endpoints (filtered when the query named an endpoint)
 * @param leaseTtl effective lease TTL
 * @param registeredAt when the instance was (re-)registered, server clock
 * @param lastHeartbeat last heartbeat, server clock
 */
public record ServiceInstance(String namespace, String service, @Nullable ServiceName serviceName, String instanceId,
        @Nullable String zone, Map<String, String> labels, Map<String, String> metadata, List<Endpoint> endpoints,
        Duration leaseTtl, Instant registeredAt, Instant lastHeartbeat) {

    public ServiceInstance {
        labels = Map.copyOf(labels);
        metadata = Map.copyOf(metadata);
        endpoints = List.copyOf(endpoints);
    }

    /** The endpoint whose name, or else protocol, equals {@code nameOrProtocol}. */
    public Optional<Endpoint> endpoint(String nameOrProtocol) {
        return this.endpoints.stream().filter((e) -> e.name().equals(nameOrProtocol)).findFirst()
            .or(() -> this.endpoints.stream().filter((e) -> e.protocol().equals(nameOrProtocol)).findFirst());
    }

    /** Same instance ignoring heartbeat time: what a de-duplicating consumer compares. */
    public boolean sameRegistration(ServiceInstance other) {
        return this.namespace.equals(other.namespace) && this.service.equals(other.service)
                && this.instanceId.equals(other.instanceId) && java.util.Objects.equals(this.zone, other.zone)
                && this.labels.equals(other.labels) && this.metadata.equals(other.metadata)
                && this.endpoints.equals(other.endpoints) && this.leaseTtl.equals(other.leaseTtl)
                && this.registeredAt.equals(other.registeredAt);
    }
}
