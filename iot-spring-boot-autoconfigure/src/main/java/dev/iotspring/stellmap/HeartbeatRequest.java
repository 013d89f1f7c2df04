package dev.iotspring.stellmap;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Renews the lease of a registered instance. The server answers {@link StellMapNotFoundException} when it no
 * longer knows the instance: register again.
 *
 * @param namespace namespace
 * @param service service name
 * @param instanceId instance id
 * @param leaseTtl new lease TTL (whole seconds), or {@code null} to keep the stored one
 */
public record HeartbeatRequest(String namespace, String service, String instanceId, @Nullable Duration leaseTtl) {

    public HeartbeatRequest {
        Identifiers.check(namespace, "namespace");
        Identifiers.check(service, "service");
        Identifiers.check(instanceId, "instanceId");
        Identifiers.checkTtl(leaseTtl);
    }
}
