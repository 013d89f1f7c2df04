package dev.iotspring.stellmap;

import org.jspecify.annotations.Nullable;

/**
 * A network endpoint of an instance. The server defaults {@code name} to {@code protocol} and {@code weight}
 * to 100; names must be unique within an instance.
 *
 * @param name endpoint name such as {@code http}, {@code grpc} or {@code metrics}
 * @param protocol protocol such as {@code http}, {@code https} or {@code grpc}
 * @param host host name or IP address
 * @param port port, 1..65535
 * @param path optional path, e.g. {@code /actuator/prometheus}
 * @param weight load-balancing weight; 0 lets the server apply 100
 */
public record Endpoint(String name, String protocol, String host, int port, @Nullable String path, int weight) {

    public Endpoint {
        if (protocol == null || protocol.isBlank()) {
            throw new StellMapValidationException("protocol", "of an endpoint must not be blank");
        }
        if (name == null || name.isBlank()) {
            name = protocol;
        }
        if (host == null || host.isBlank()) {
            throw new StellMapValidationException("host", "of endpoint '" + name + "' must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new StellMapValidationException("port", "of endpoint '" + name + "' is " + port + ", expected 1..65535");
        }
        if (weight < 0) {
            throw new StellMapValidationException("weight", "of endpoint '" + name + "' must not be negative");
        }
    }

    /** An endpoint named after its protocol, weight 100. */
    public static Endpoint of(String protocol, String host, int port) {
        return new Endpoint(protocol, protocol, host, port, null, 100);
    }
}
