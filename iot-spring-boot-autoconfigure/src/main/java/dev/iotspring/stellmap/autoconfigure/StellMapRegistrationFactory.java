package dev.iotspring.stellmap.autoconfigure;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.stellmap.Endpoint;
import dev.iotspring.stellmap.RegisterRequest;
import dev.iotspring.stellmap.ServiceName;

/**
 * Turns {@code iot.stellmap.*} into the {@link RegisterRequest} of this application once the web server's port
 * is known. Everything that does not depend on the port is checked when the factory is created, so a bad value
 * fails the start and names its property.
 */
final class StellMapRegistrationFactory implements Function<OptionalInt, RegisterRequest> {

    private static final String PREFIX = "iot.stellmap.";

    private final StellMapProperties properties;

    private final String namespace;

    private final String service;

    private final String applicationName;

    private final String host;

    StellMapRegistrationFactory(StellMapProperties properties, @Nullable String applicationName) {
        this.properties = properties;
        this.namespace = StellMapAutoConfiguration.requireNamespace(properties);
        this.service = resolveService(properties, applicationName);
        this.applicationName = (applicationName != null && !applicationName.isBlank()) ? applicationName.trim()
                : this.service;
        this.host = (properties.getHost() != null && !properties.getHost().isBlank()) ? properties.getHost().trim()
                : detectHost();
        checkIdentifier(this.host, "host", "host: 10.1.2.3");
        if (properties.getInstanceId() != null) {
            checkIdentifier(properties.getInstanceId(), "instance-id", "instance-id: cart-api-1");
        }
        if (properties.getZone() != null) {
            checkIdentifier(properties.getZone(), "zone", "zone: eu-1a");
        }
        checkTtl(properties);
        checkEndpoints(properties);
        properties.getLabels().forEach((k, v) -> {
            if (k.isBlank()) {
                throw new IotConfigurationException(PREFIX + "labels", "a label key is blank",
                        example("labels:\n      lane: blue"));
            }
        });
    }

    String service() {
        return this.service;
    }

    String namespace() {
        return this.namespace;
    }

    @Override
    public RegisterRequest apply(OptionalInt webServerPort) {
        Integer defaultPort = (this.properties.getPort() != null) ? this.properties.getPort()
                : webServerPort.isPresent() ? Integer.valueOf(webServerPort.getAsInt()) : null;
        List<Endpoint> endpoints = new ArrayList<>();
        Set<String> explicitNames = new HashSet<>();
        for (StellMapProperties.EndpointProperties endpoint : this.properties.getEndpoints()) {
            explicitNames.add(endpointName(endpoint));
        }
        String protocol = this.properties.getProtocol().trim();
        if (defaultPort != null && !explicitNames.contains(protocol)) {
            endpoints.add(new Endpoint(protocol, protocol, this.host, defaultPort, null, 0));
        }
        for (StellMapProperties.EndpointProperties endpoint : this.properties.getEndpoints()) {
            Integer port = (endpoint.getPort() != null) ? endpoint.getPort() : defaultPort;
            if (port == null) {
                throw new IllegalStateException("Endpoint '" + endpointName(endpoint) + "' has no port and there is "
                        + "no web server: set " + PREFIX + "endpoints[n].port");
            }
            endpoints.add(new Endpoint(endpointName(endpoint), endpoint.getProtocol().trim(),
                    (endpoint.getHost() != null) ? endpoint.getHost().trim() : this.host, port, endpoint.getPath(),
                    endpoint.getWeight()));
        }
        if (endpoints.isEmpty()) {
            throw new IllegalStateException("There is no web server port to advertise: set " + PREFIX + "port or "
                    + PREFIX + "endpoints");
        }
        String instanceId = (this.properties.getInstanceId() != null) ? this.properties.getInstanceId().trim()
                : defaultInstanceId(defaultPort);
        return new RegisterRequest(this.namespace, this.service, instanceId, blankToNull(this.properties.getZone()),
                Map.copyOf(this.properties.getLabels()), Map.copyOf(this.properties.getMetadata()), endpoints,
                this.properties.getLeaseTtl());
    }

    private String defaultInstanceId(@Nullable Integer port) {
        String id = this.applicationName + "-" + this.host + ((port != null) ? "-" + port : "");
        // Keep it a safe identifier whatever the application name holds.
        return id.replaceAll("[^A-Za-z0-9._:-]", "-");
    }

    static String resolveService(StellMapProperties properties, @Nullable String applicationName) {
        String[] parts = { properties.getOrganization(), properties.getBusinessDomain(),
                properties.getCapabilityDomain(), properties.getApplication(), properties.getRole() };
        String[] names = { "organization", "business-domain", "capability-domain", "application", "role" };
        boolean anyPart = false;
        for (String part : parts) {
            anyPart |= part != null && !part.isBlank();
        }
        String composed = null;
        if (anyPart) {
            for (int i = 0; i < parts.length; i++) {
                if (parts[i] == null || parts[i].isBlank()) {
                    throw new IotConfigurationException(PREFIX + names[i],
                            "a five-part service name needs all of organization, business-domain, capability-domain, "
                                    + "application and role",
                            example("organization: acme\n    business-domain: retail\n    capability-domain: cart\n"
                                    + "    application: cart-svc\n    role: api"));
                }
            }
            try {
                composed = ServiceName.compose(parts[0], parts[1], parts[2], parts[3], parts[4]).toString();
            }
            catch (IllegalArgumentException ex) {
                throw new IotConfigurationException(PREFIX + "organization", ex.getMessage(),
                        example("organization: acme"));
            }
        }
        String service = blankToNull(properties.getService());
        if (service != null && composed != null && !service.trim().equals(composed)) {
            throw new IotConfigurationException(PREFIX + "service", "'" + service + "' does not match the five parts ("
                    + composed + "); set one or the other", example("service: " + composed));
        }
        String result = (service != null) ? service.trim() : (composed != null) ? composed : blankToNull(applicationName);
        if (result == null) {
            throw IotConfigurationException.missing(PREFIX + "service",
                    example("service: acme.retail.cart.cart-svc.api"));
        }
        checkIdentifier(result, "service", "service: acme.retail.cart.cart-svc.api");
        return result;
    }

    private static void checkTtl(StellMapProperties properties) {
        Duration ttl = properties.getLeaseTtl();
        if (ttl == null || ttl.toSeconds() < 1 || ttl.toMillis() % 1000 != 0) {
            throw new IotConfigurationException(PREFIX + "lease-ttl", "the lease TTL must be a whole number of seconds, "
                    + "at least 1s", example("lease-ttl: 30s"));
        }
        Duration interval = heartbeatInterval(properties);
        if (interval.isNegative() || interval.isZero() || interval.compareTo(ttl) >= 0) {
            throw new IotConfigurationException(PREFIX + "heartbeat-interval", "the heartbeat interval must be positive "
                    + "and shorter than lease-ttl (" + ttl.toSeconds() + "s); a third of it is usual",
                    example("lease-ttl: 30s\n    heartbeat-interval: 10s"));
        }
    }

    /** The configured heartbeat interval, else a third of the TTL, at least one second. */
    static Duration heartbeatInterval(StellMapProperties properties) {
        if (properties.getHeartbeatInterval() != null) {
            return properties.getHeartbeatInterval();
        }
        Duration third = properties.getLeaseTtl().dividedBy(3);
        return (third.compareTo(Duration.ofSeconds(1)) < 0) ? Duration.ofSeconds(1) : third;
    }

    private static void checkEndpoints(StellMapProperties properties) {
        String protocol = properties.getProtocol();
        if (protocol == null || protocol.isBlank()) {
            throw IotConfigurationException.missing(PREFIX + "protocol", example("protocol: http"));
        }
        if (properties.getPort() != null && (properties.getPort() < 1 || properties.getPort() > 65535)) {
            throw new IotConfigurationException(PREFIX + "port", "the port must be between 1 and 65535",
                    example("port: 8080"));
        }
        Set<String> names = new HashSet<>();
        List<StellMapProperties.EndpointProperties> endpoints = properties.getEndpoints();
        for (int i = 0; i < endpoints.size(); i++) {
            StellMapProperties.EndpointProperties endpoint = endpoints.get(i);
            String property = PREFIX + "endpoints[" + i + "]";
            String sample = example("endpoints:\n      - name: metrics\n        protocol: http\n"
                    + "        port: 8081\n        path: /actuator/prometheus");
            if (endpoint.getProtocol() == null || endpoint.getProtocol().isBlank()) {
                throw IotConfigurationException.missing(property + ".protocol", sample);
            }
            if (endpoint.getPort() != null && (endpoint.getPort() < 1 || endpoint.getPort() > 65535)) {
                throw new IotConfigurationException(property + ".port", "the port must be between 1 and 65535", sample);
            }
            if (endpoint.getWeight() < 0) {
                throw new IotConfigurationException(property + ".weight", "the weight must not be negative", sample);
            }
            if (!names.add(endpointName(endpoint))) {
                throw new IotConfigurationException(property + ".name", "endpoint names must be unique, '"
                        + endpointName(endpoint) + "' is used twice (two endpoints with one protocol need names)", sample);
            }
        }
    }

    private static String endpointName(StellMapProperties.EndpointProperties endpoint) {
        return (endpoint.getName() != null && !endpoint.getName().isBlank()) ? endpoint.getName().trim()
                : endpoint.getProtocol().trim();
    }

    static void checkIdentifier(String value, String property, String sample) {
        if (value.isBlank() || value.contains("/") || value.chars().anyMatch(Character::isWhitespace)) {
            throw new IotConfigurationException(PREFIX + property, "'" + value + "' must be non-blank without '/' or "
                    + "whitespace (the registry cannot emit watch events for such names)", example(sample));
        }
    }

    static String example(String lines) {
        return "iot:\n  stellmap:\n    " + lines;
    }

    private static @Nullable String blankToNull(@Nullable String text) {
        return (text == null || text.isBlank()) ? null : text.trim();
    }

    /** This host's address: the local host's if it is not loopback, else the first site-local IPv4 address. */
    static String detectHost() {
        try {
            InetAddress local = InetAddress.getLocalHost();
            if (!local.isLoopbackAddress()) {
                return local.getHostAddress();
            }
        }
        catch (UnknownHostException ex) {
            // Fall through to the interfaces.
        }
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback() || nic.isVirtual()) {
                    continue;
                }
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                        return address.getHostAddress();
                    }
                }
            }
        }
        catch (SocketException ex) {
            // Fall through to loopback.
        }
        return "127.0.0.1";
    }
}
