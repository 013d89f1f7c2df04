package dev.iotspring.stellmap.cloud;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import dev.iotspring.stellmap.InstanceQuery;
import dev.iotspring.stellmap.StellMapException;
import dev.iotspring.stellmap.StellMapRegistry;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;

/** Reactive twin of {@link StellMapDiscoveryClient}; never blocks. */
public class StellMapReactiveDiscoveryClient implements ReactiveDiscoveryClient {

    private final StellMapRegistry registry;

    private final String endpoint;

    public StellMapReactiveDiscoveryClient(StellMapRegistry registry, String endpoint) {
        this.registry = registry;
        this.endpoint = endpoint;
    }

    @Override
    public String description() {
        return "StellMap reactive discovery client (namespace " + this.registry.namespace() + ")";
    }

    @Override
    public Flux<ServiceInstance> getInstances(String serviceId) {
        return Mono.fromFuture(() -> this.registry.cachedInstancesAsync(serviceId))
            .flatMapIterable((list) -> Instances.convert(list, serviceId, this.endpoint));
    }

    @Override
    public Flux<String> getServices() {
        return Mono.fromFuture(() -> this.registry.queryInstancesAsync(InstanceQuery.namespace(this.registry.namespace())
                .build()))
            .flatMapIterable(Instances::services)
            .onErrorResume(StellMapException.class, (ex) -> Flux.fromIterable(this.registry.cachedServices()));
    }
}
