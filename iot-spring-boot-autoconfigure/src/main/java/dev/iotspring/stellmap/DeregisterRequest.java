package dev.iotspring.stellmap;

/**
 * Removes an instance. Idempotent on the server.
 *
 * @param namespace namespace
 * @param service service name
 * @param instanceId instance id
 */
public record DeregisterRequest(String namespace, String service, String instanceId) {

    public DeregisterRequest {
        Identifiers.check(namespace, "namespace");
        Identifiers.check(service, "service");
        Identifiers.check(instanceId, "instanceId");
    }
}
