package dev.iotspring.stellmap;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Watch-fed view of instances, one watch per service of one namespace. A snapshot replaces a service's view, an
 * upsert replaces one instance, a delete removes it (unknown ids are ignored). Instances are kept in instance-id
 * order, the order of a query for one service.
 */
final class InstanceCache implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(InstanceCache.class);

    private final StellMapHttpRegistry registry;

    private final String namespace;

    private final Duration firstSnapshotTimeout;

    private final Map<String, ServiceView> views = new ConcurrentHashMap<>();

    private volatile boolean closed;

    private final Sinks.Many<Long> changes = Sinks.many().multicast().directBestEffort();

    InstanceCache(StellMapHttpRegistry registry, String namespace, Duration firstSnapshotTimeout) {
        this.registry = registry;
        this.namespace = namespace;
        this.firstSnapshotTimeout = firstSnapshotTimeout;
    }

    List<ServiceInstance> instances(String service) {
        ServiceView view = view(service);
        if (view.isReady()) {
            return view.list();
        }
        if (Schedulers.isInNonBlockingThread()) {
            // Cannot wait here; the caller gets what there is (nothing yet) instead of an exception.
            return view.list();
        }
        List<ServiceInstance> result = instancesAsync(service).block(this.firstSnapshotTimeout.plusSeconds(1));
        return (result != null) ? result : List.of();
    }

    Mono<List<ServiceInstance>> instancesAsync(String service) {
        ServiceView view = view(service);
        if (view.isReady()) {
            return Mono.just(view.list());
        }
        // Until the first snapshot arrives, answer from a query so a caller never sees a false "no instances".
        return view.ready.asMono().timeout(this.firstSnapshotTimeout).map((ok) -> view.list())
            .onErrorResume((ex) -> this.registry.query(InstanceQuery.of(this.namespace, service)));
    }

    Set<String> services() {
        return Set.copyOf(this.views.keySet());
    }

    int size() {
        return this.views.values().stream().mapToInt((v) -> v.instances.size()).sum();
    }

    private ServiceView view(String service) {
        Identifiers.check(service, "service");
        if (this.closed) {
            throw new IllegalStateException("The StellMap registry is closed");
        }
        return this.views.computeIfAbsent(service, this::startView);
    }

    /** Revisions of changes that altered the cache; heartbeats that change nothing are left out. */
    reactor.core.publisher.Flux<Long> changes() {
        return this.changes.asFlux();
    }

    private ServiceView startView(String service) {
        ServiceView view = new ServiceView(this.changes);
        view.subscription = this.registry.watch(WatchOptions.of(InstanceQuery.of(this.namespace, service)))
            .subscribe(view::apply, (ex) -> logger.warn("Watch of {} ended: {}", service, ex.toString()));
        return view;
    }

    /** Ends every watch and forgets the views; a later call for a service starts its watch again. */
    void reset() {
        for (String service : List.copyOf(this.views.keySet())) {
            ServiceView view = this.views.remove(service);
            if (view != null && view.subscription != null) {
                view.subscription.dispose();
            }
        }
    }

    @Override
    public void close() {
        this.closed = true;
        reset();
    }

    private static final class ServiceView {

        final ConcurrentSkipListMap<String, ServiceInstance> instances = new ConcurrentSkipListMap<>();

        final Sinks.One<Boolean> ready = Sinks.one();

        volatile boolean snapshotSeen;

        volatile Disposable subscription;

        private final Sinks.Many<Long> changes;

        ServiceView(Sinks.Many<Long> changes) {
            this.changes = changes;
        }

        boolean isReady() {
            return this.snapshotSeen;
        }

        List<ServiceInstance> list() {
            return List.copyOf(this.instances.values());
        }

        synchronized void apply(WatchEvent event) {
            boolean changed = false;
            switch (event.type()) {
                case SNAPSHOT -> {
                    this.instances.clear();
                    event.instances().forEach((i) -> this.instances.put(i.instanceId(), i));
                    this.snapshotSeen = true;
                    this.ready.tryEmitValue(true);
                    changed = true;
                }
                case UPSERT -> {
                    ServiceInstance instance = event.instance();
                    if (instance != null) {
                        ServiceInstance previous = this.instances.put(instance.instanceId(), instance);
                        changed = previous == null || !previous.sameRegistration(instance);
                    }
                }
                case DELETE -> {
                    changed = event.instanceId() != null && this.instances.remove(event.instanceId()) != null;
                }
            }
            if (changed) {
                this.changes.tryEmitNext(event.revision());
            }
        }
    }
}
