package dev.iotspring.stellmap.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.autoconfigure.ReconnectProperties;
import dev.iotspring.core.autoconfigure.SslProperties;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * StellMap service registry: where the registry is and how this application registers itself.
 */
@ConfigurationProperties("iot.stellmap")
public class StellMapProperties {

    /**
     * Whether the StellMap registry client is active.
     */
    private boolean enabled;

    /**
     * Whether to make each watch event handed to a subscriber an Observation (needs an ObservationRegistry bean; conventions from IotSendObservationConvention / IotReceiveObservationConvention beans).
     */
    private boolean observationEnabled;

    /**
     * Base URLs of one or more StellMap nodes (their public HTTP listener). Reads and watches use any node,
     * writes follow the raft leader.
     */
    private List<URI> serverUrl = new ArrayList<>();

    /**
     * Namespace the application registers in and discovers from, e.g. "staging".
     */
    private @Nullable String namespace;

    /**
     * Service name: a five-part name (organization.business-domain.capability-domain.application.role) or an
     * opaque name. Defaults to the five parts below when they are set, else to spring.application.name.
     */
    private @Nullable String service;

    /**
     * First part of a five-part service name.
     */
    private @Nullable String organization;

    /**
     * Second part of a five-part service name.
     */
    private @Nullable String businessDomain;

    /**
     * Third part of a five-part service name.
     */
    private @Nullable String capabilityDomain;

    /**
     * Fourth part of a five-part service name.
     */
    private @Nullable String application;

    /**
     * Fifth part of a five-part service name, e.g. "api" or "worker".
     */
    private @Nullable String role;

    /**
     * Stable, unique instance id. Defaults to "{application name}-{host}-{port}".
     */
    private @Nullable String instanceId;

    /**
     * Zone (availability zone or region) of this instance.
     */
    private @Nullable String zone;

    /**
     * Routing labels, matched by selectors (keep them few and low-cardinality).
     */
    private Map<String, String> labels = new LinkedHashMap<>();

    /**
     * Descriptive metadata of this instance.
     */
    private Map<String, String> metadata = new LinkedHashMap<>();

    /**
     * Address advertised in the default "http" endpoint. Defaults to this host's first non-loopback address.
     */
    private @Nullable String host;

    /**
     * Port advertised in the default "http" endpoint. Defaults to the web server's actual port.
     */
    private @Nullable Integer port;

    /**
     * Protocol of the default endpoint: "http", or "https" when the web server uses TLS.
     */
    private String protocol = "http";

    /**
     * Further endpoints (metrics, grpc, ...). One named like the default endpoint replaces it. A missing host
     * means the advertised host, a missing port the web server's port.
     */
    private List<EndpointProperties> endpoints = new ArrayList<>();

    /**
     * Lease TTL, whole seconds: the registry drops the instance when no heartbeat came for this long.
     */
    private Duration leaseTtl = Duration.ofSeconds(30);

    /**
     * Time between heartbeats. Defaults to a third of the lease TTL (at least 1s).
     */
    private @Nullable Duration heartbeatInterval;

    /**
     * Whether to register on startup, heartbeat, and deregister on shutdown.
     */
    private boolean autoRegistration = true;

    /**
     * TCP connect timeout.
     */
    private Duration connectTimeout = Duration.ofSeconds(5);

    /**
     * Time to wait for the answer to a request (register, heartbeat, query).
     */
    private Duration requestTimeout = Duration.ofSeconds(10);

    /**
     * Longest silence (not even a keepalive) tolerated on a watch stream before it is presumed dead and
     * reconnected. Keep it above three keepalive periods of the server (15 to 30s).
     */
    private Duration idleTimeout = Duration.ofSeconds(90);

    /**
     * How a broken watch stream comes back: delays between reconnect attempts (defaults 1s doubling to 10s).
     */
    @NestedConfigurationProperty
    private final ReconnectProperties reconnect = new ReconnectProperties(Duration.ofSeconds(1),
            Duration.ofSeconds(10));

    /**
     * Extra headers sent with every request (e.g. for a gateway in front of StellMap). Values are never logged.
     */
    private Map<String, String> headers = new LinkedHashMap<>();

    /**
     * TLS of https server URLs: ssl.bundle names a spring.ssl.bundle.* entry. Unset: the JVM trust store.
     */
    @NestedConfigurationProperty
    private final SslProperties ssl = new SslProperties();

    private final Discovery discovery = new Discovery();

    public boolean isEnabled() {
        return this.enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean isObservationEnabled() {
        return this.observationEnabled;
    }

    public void setObservationEnabled(boolean observationEnabled) {
        this.observationEnabled = observationEnabled;
    }

    public List<URI> getServerUrl() {
        return this.serverUrl;
    }

    public void setServerUrl(List<URI> serverUrl) {
        this.serverUrl = serverUrl;
    }

    public @Nullable String getNamespace() {
        return this.namespace;
    }

    public void setNamespace(@Nullable String namespace) {
        this.namespace = namespace;
    }

    public @Nullable String getService() {
        return this.service;
    }

    public void setService(@Nullable String service) {
        this.service = service;
    }

    public @Nullable String getOrganization() {
        return this.organization;
    }

    public void setOrganization(@Nullable String organization) {
        this.organization = organization;
    }

    public @Nullable String getBusinessDomain() {
        return this.businessDomain;
    }

    public void setBusinessDomain(@Nullable String businessDomain) {
        this.businessDomain = businessDomain;
    }

    public @Nullable String getCapabilityDomain() {
        return this.capabilityDomain;
    }

    public void setCapabilityDomain(@Nullable String capabilityDomain) {
        this.capabilityDomain = capabilityDomain;
    }

    public @Nullable String getApplication() {
        return this.application;
    }

    public void setApplication(@Nullable String application) {
        this.application = application;
    }

    public @Nullable String getRole() {
        return this.role;
    }

    public void setRole(@Nullable String role) {
        this.role = role;
    }

    public @Nullable String getInstanceId() {
        return this.instanceId;
    }

    public void setInstanceId(@Nullable String instanceId) {
        this.instanceId = instanceId;
    }

    public @Nullable String getZone() {
        return this.zone;
    }

    public void setZone(@Nullable String zone) {
        this.zone = zone;
    }

    public Map<String, String> getLabels() {
        return this.labels;
    }

    public void setLabels(Map<String, String> labels) {
        this.labels = labels;
    }

    public Map<String, String> getMetadata() {
        return this.metadata;
    }

    public void setMetadata(Map<String, String> metadata) {
        this.metadata = metadata;
    }

    public @Nullable String getHost() {
        return this.host;
    }

    public void setHost(@Nullable String host) {
        this.host = host;
    }

    public @Nullable Integer getPort() {
        return this.port;
    }

    public void setPort(@Nullable Integer port) {
        this.port = port;
    }

    public String getProtocol() {
        return this.protocol;
    }

    public void setProtocol(String protocol) {
        this.protocol = protocol;
    }

    public List<EndpointProperties> getEndpoints() {
        return this.endpoints;
    }

    public void setEndpoints(List<EndpointProperties> endpoints) {
        this.endpoints = endpoints;
    }

    public Duration getLeaseTtl() {
        return this.leaseTtl;
    }

    public void setLeaseTtl(Duration leaseTtl) {
        this.leaseTtl = leaseTtl;
    }

    public @Nullable Duration getHeartbeatInterval() {
        return this.heartbeatInterval;
    }

    public void setHeartbeatInterval(@Nullable Duration heartbeatInterval) {
        this.heartbeatInterval = heartbeatInterval;
    }

    public boolean isAutoRegistration() {
        return this.autoRegistration;
    }

    public void setAutoRegistration(boolean autoRegistration) {
        this.autoRegistration = autoRegistration;
    }

    public Duration getConnectTimeout() {
        return this.connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public Duration getRequestTimeout() {
        return this.requestTimeout;
    }

    public void setRequestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
    }

    public Duration getIdleTimeout() {
        return this.idleTimeout;
    }

    public void setIdleTimeout(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    public ReconnectProperties getReconnect() {
        return this.reconnect;
    }

    public Map<String, String> getHeaders() {
        return this.headers;
    }

    public void setHeaders(Map<String, String> headers) {
        this.headers = headers;
    }

    public SslProperties getSsl() {
        return this.ssl;
    }

    public Discovery getDiscovery() {
        return this.discovery;
    }

    @Override
    public String toString() {
        // Header values may be credentials of a gateway.
        return "StellMapProperties[serverUrl=" + this.serverUrl + ", namespace=" + this.namespace + ", service="
                + this.service + ", instanceId=" + this.instanceId + ", headers=" + this.headers.keySet() + "]";
    }

    /** One additional endpoint. */
    public static class EndpointProperties {

        /**
         * Endpoint name, unique within the instance, e.g. "metrics" or "grpc". Defaults to the protocol.
         */
        private @Nullable String name;

        /**
         * Protocol, e.g. "http", "https" or "grpc".
         */
        private String protocol = "http";

        /**
         * Host; defaults to the advertised host.
         */
        private @Nullable String host;

        /**
         * Port; defaults to the web server's port.
         */
        private @Nullable Integer port;

        /**
         * Optional path, e.g. "/actuator/prometheus".
         */
        private @Nullable String path;

        /**
         * Load-balancing weight; the registry applies 100 when unset.
         */
        private int weight;

        public @Nullable String getName() {
            return this.name;
        }

        public void setName(@Nullable String name) {
            this.name = name;
        }

        public String getProtocol() {
            return this.protocol;
        }

        public void setProtocol(String protocol) {
            this.protocol = protocol;
        }

        public @Nullable String getHost() {
            return this.host;
        }

        public void setHost(@Nullable String host) {
            this.host = host;
        }

        public @Nullable Integer getPort() {
            return this.port;
        }

        public void setPort(@Nullable Integer port) {
            this.port = port;
        }

        public @Nullable String getPath() {
            return this.path;
        }

        public void setPath(@Nullable String path) {
            this.path = path;
        }

        public int getWeight() {
            return this.weight;
        }

        public void setWeight(int weight) {
            this.weight = weight;
        }
    }

    /** Spring Cloud DiscoveryClient backed by the watch-fed cache (when spring-cloud-commons is present). */
    public static class Discovery {

        /**
         * Whether to contribute a DiscoveryClient and ReactiveDiscoveryClient.
         */
        private boolean enabled = true;

        /**
         * Endpoint (name, or else protocol) whose host and port discovered instances expose.
         */
        private String endpoint = "http";

        public boolean isEnabled() {
            return this.enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getEndpoint() {
            return this.endpoint;
        }

        public void setEndpoint(String endpoint) {
            this.endpoint = endpoint;
        }
    }
}
