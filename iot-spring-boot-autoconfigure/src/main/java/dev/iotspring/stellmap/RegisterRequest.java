package dev.iotspring.stellmap;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Registers (or re-registers, replacing labels, metadata and endpoints) one instance.
 *
 * @param namespace namespace, e.g. {@code staging}
 * @param service service name, preferably five-part ({@link ServiceName#toString()})
 * @param instanceId stable, unique instance id
 * @param zone zone, or {@code null}
 * @param labels routing labels
 * @param metadata descriptive metadata
 * @param endpoints at least one endpoint, names unique
 * @param leaseTtl lease TTL, sent in whole seconds (at least 1 s); {@code null} lets the server apply 30 s
 */
public record RegisterRequest(String namespace, String service, String instanceId, @Nullable String zone,
        Map<String, String> labels, Map<String, String> metadata, List<Endpoint> endpoints,
        @Nullable Duration leaseTtl) {

    public RegisterRequest {
        Identifiers.check(namespace, "namespace");
        Identifiers.check(service, "service");
        Identifiers.check(instanceId, "instanceId");
        labels = Map.copyOf(labels);
        metadata = Map.copyOf(metadata);
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new StellMapValidationException("endpoints", "must hold at least one endpoint");
        }
        if (endpoints.stream().map(Endpoint::name).distinct().count() != endpoints.size()) {
            throw new StellMapValidationException("endpoints", "must have unique names: " + endpoints.stream()
                .map(Endpoint::name).toList());
        }
        Identifiers.checkTtl(leaseTtl);
    }

    /** The identity, for heartbeats and deregistration. */
    public DeregisterRequest identity() {
        return new DeregisterRequest(this.namespace, this.service, this.instanceId);
    }

    public HeartbeatRequest heartbeat() {
        return new HeartbeatRequest(this.namespace, this.service, this.instanceId, this.leaseTtl);
    }
}
