package dev.iotspring.stellmap.cloud;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.iotspring.stellmap.Endpoint;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;

/** StellMap instances as Spring Cloud instances. */
final class Instances {

    private Instances() {
    }

    static List<ServiceInstance> convert(List<dev.iotspring.stellmap.ServiceInstance> instances, String serviceId,
            String endpointName) {
        return instances.stream().map((i) -> convert(i, serviceId, endpointName)).flatMap(Optional::stream).toList();
    }

    private static Optional<ServiceInstance> convert(dev.iotspring.stellmap.ServiceInstance instance, String serviceId,
            String endpointName) {
        return instance.endpoint(endpointName).map((Endpoint endpoint) -> {
            Map<String, String> metadata = new LinkedHashMap<>(instance.metadata());
            metadata.putAll(instance.labels());
            if (instance.zone() != null) {
                // Spring Cloud LoadBalancer's zone preference reads this key.
                metadata.put("zone", instance.zone());
            }
            metadata.put("stellmap.namespace", instance.namespace());
            metadata.put("stellmap.weight", Integer.toString(endpoint.weight()));
            if (endpoint.path() != null) {
                metadata.put("stellmap.path", endpoint.path());
            }
            String scheme = endpoint.protocol().toLowerCase(java.util.Locale.ROOT);
            boolean secure = scheme.equals("https") || scheme.equals("wss");
            return new StellMapServiceInstance(instance.instanceId(), serviceId, endpoint.host(), endpoint.port(),
                    secure, metadata, scheme);
        });
    }

    /**
     * Carries the endpoint's protocol as scheme, so a load-balanced {@code lb://service} URI becomes
     * {@code http://host:port} (Spring Cloud LoadBalancer keeps the original scheme when an instance has none).
     */
    static final class StellMapServiceInstance extends DefaultServiceInstance {

        private final String scheme;

        StellMapServiceInstance(String instanceId, String serviceId, String host, int port, boolean secure,
                Map<String, String> metadata, String scheme) {
            super(instanceId, serviceId, host, port, secure, metadata);
            this.scheme = scheme;
        }

        @Override
        public String getScheme() {
            return this.scheme;
        }
    }

    static List<String> services(List<dev.iotspring.stellmap.ServiceInstance> instances) {
        return instances.stream().map(dev.iotspring.stellmap.ServiceInstance::service).distinct().sorted().toList();
    }
}
