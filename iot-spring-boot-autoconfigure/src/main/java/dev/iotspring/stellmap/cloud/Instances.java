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
            boolean secure = endpoint.protocol().equalsIgnoreCase("https") || endpoint.protocol().equalsIgnoreCase("wss");
            DefaultServiceInstance result = new DefaultServiceInstance(instance.instanceId(), serviceId, endpoint.host(),
                    endpoint.port(), secure, metadata);
            return result;
        });
    }

    static List<String> services(List<dev.iotspring.stellmap.ServiceInstance> instances) {
        return instances.stream().map(dev.iotspring.stellmap.ServiceInstance::service).distinct().sorted().toList();
    }
}
