package dev.iotspring.stellmap.cloud;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.stellmap.InstanceQuery;
import dev.iotspring.stellmap.StellMapException;
import dev.iotspring.stellmap.StellMapRegistry;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * Spring Cloud {@link DiscoveryClient} over the registry's watch-fed cache: {@code getInstances} answers from
 * memory once a service's first snapshot arrived, so Spring Cloud LoadBalancer ({@code lb://service}) costs no
 * request per call. Service ids are StellMap service names of the configured namespace.
 */
public class StellMapDiscoveryClient implements DiscoveryClient {

    private static final Logger logger = LoggerFactory.getLogger(StellMapDiscoveryClient.class);

    private final StellMapRegistry registry;

    private final String endpoint;

    /**
     * @param registry the registry
     * @param endpoint endpoint (name, or else protocol) whose host and port an instance exposes
     */
    public StellMapDiscoveryClient(StellMapRegistry registry, String endpoint) {
        this.registry = registry;
        this.endpoint = endpoint;
    }

    @Override
    public String description() {
        return "StellMap discovery client (namespace " + this.registry.namespace() + ")";
    }

    @Override
    public List<ServiceInstance> getInstances(String serviceId) {
        return Instances.convert(this.registry.cachedInstances(serviceId), serviceId, this.endpoint);
    }

    @Override
    public List<String> getServices() {
        try {
            return Instances.services(this.registry.queryInstances(InstanceQuery.namespace(this.registry.namespace())
                .build()));
        }
        catch (StellMapException ex) {
            logger.debug("Listing services failed, answering from the cache: {}", ex.getMessage());
            return List.copyOf(this.registry.cachedServices());
        }
    }
}
