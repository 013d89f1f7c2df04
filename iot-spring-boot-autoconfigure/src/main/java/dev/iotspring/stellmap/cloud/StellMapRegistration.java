package dev.iotspring.stellmap.cloud;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import dev.iotspring.stellmap.Endpoint;
import dev.iotspring.stellmap.RegisterRequest;
import dev.iotspring.stellmap.StellMapAutoRegistration;
import org.springframework.cloud.client.serviceregistry.Registration;

/**
 * This application's StellMap registration as Spring Cloud sees it (the counterpart of Consul's
 * {@code ConsulAutoRegistration}). It reads the registration the {@link StellMapAutoRegistration} lifecycle sends,
 * so it holds a host and port only once the web server's port is known; before that only the service id.
 */
public class StellMapRegistration implements Registration {

    private final StellMapAutoRegistration lifecycle;

    private final String serviceId;

    private final String endpointName;

    /**
     * @param lifecycle the one registration lifecycle of the application
     * @param serviceId the service, as the lifecycle will register it
     * @param endpointName the endpoint whose host and port are this instance's ({@code iot.stellmap.discovery.endpoint})
     */
    public StellMapRegistration(StellMapAutoRegistration lifecycle, String serviceId, String endpointName) {
        this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
        this.serviceId = Objects.requireNonNull(serviceId, "serviceId");
        this.endpointName = Objects.requireNonNull(endpointName, "endpointName");
    }

    /** The lifecycle that registers, heartbeats and deregisters this instance. */
    public StellMapAutoRegistration lifecycle() {
        return this.lifecycle;
    }

    @Override
    public String getServiceId() {
        RegisterRequest request = this.lifecycle.registration();
        return (request != null) ? request.service() : this.serviceId;
    }

    @Override
    public @Nullable String getInstanceId() {
        RegisterRequest request = this.lifecycle.registration();
        return (request != null) ? request.instanceId() : null;
    }

    @Override
    public @Nullable String getHost() {
        return endpoint().map(Endpoint::host).orElse(null);
    }

    @Override
    public int getPort() {
        return endpoint().map(Endpoint::port).orElse(0);
    }

    @Override
    public boolean isSecure() {
        String scheme = getScheme();
        return "https".equals(scheme) || "wss".equals(scheme);
    }

    @Override
    public @Nullable String getScheme() {
        return endpoint().map((e) -> e.protocol().toLowerCase(Locale.ROOT)).orElse(null);
    }

    @Override
    public @Nullable URI getUri() {
        return endpoint().map((e) -> URI.create(getScheme() + "://" + e.host() + ":" + e.port())).orElse(null);
    }

    /** Labels and metadata as the registration carries them (labels win, as for discovered instances). */
    @Override
    public Map<String, String> getMetadata() {
        RegisterRequest request = this.lifecycle.registration();
        if (request == null) {
            return Map.of();
        }
        Map<String, String> metadata = new LinkedHashMap<>(request.metadata());
        metadata.putAll(request.labels());
        if (request.zone() != null) {
            metadata.put("zone", request.zone());
        }
        return metadata;
    }

    private Optional<Endpoint> endpoint() {
        RegisterRequest request = this.lifecycle.registration();
        if (request == null) {
            return Optional.empty();
        }
        return request.endpoints().stream().filter((e) -> e.name().equals(this.endpointName)).findFirst()
            .or(() -> request.endpoints().stream().findFirst());
    }

    @Override
    public String toString() {
        return "StellMapRegistration[" + getServiceId() + "/" + getInstanceId() + "]";
    }
}
