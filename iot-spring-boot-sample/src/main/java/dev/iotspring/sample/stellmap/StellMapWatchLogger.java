package dev.iotspring.sample.stellmap;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

import dev.iotspring.stellmap.InstanceQuery;
import dev.iotspring.stellmap.ServiceInstance;
import dev.iotspring.stellmap.StellMapRegistry;
import dev.iotspring.stellmap.WatchEvent;
import dev.iotspring.stellmap.WatchOptions;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Watches the sample's StellMap namespace and logs what changes: the snapshot, new or changed instances, and
 * removals. Heartbeats (an upsert each) are logged at debug level only.
 */
@Component
class StellMapWatchLogger implements DisposableBean {

    private static final Logger logger = LoggerFactory.getLogger(StellMapWatchLogger.class);

    private final ObjectProvider<StellMapRegistry> registry;

    private final Map<String, ServiceInstance> known = new ConcurrentHashMap<>();

    private @Nullable Disposable watch;

    StellMapWatchLogger(ObjectProvider<StellMapRegistry> registry) {
        this.registry = registry;
    }

    @EventListener(ApplicationReadyEvent.class)
    void startWatching() {
        StellMapRegistry stellmap = this.registry.getIfAvailable();
        if (stellmap == null) {
            return;
        }
        this.watch = stellmap.watch(WatchOptions.of(InstanceQuery.namespace(stellmap.namespace()).build()))
            .subscribe(this::log, (ex) -> logger.warn("StellMap watch ended: {}", ex.toString()));
    }

    private void log(WatchEvent event) {
        switch (event.type()) {
            case SNAPSHOT -> {
                this.known.clear();
                event.instances().forEach((i) -> this.known.put(key(i), i));
                logger.info("StellMap snapshot at revision {}: {} instance(s) {}", event.revision(),
                        event.instances().size(), event.instances().stream().map(this::describe).toList());
            }
            case UPSERT -> {
                ServiceInstance instance = event.instance();
                if (instance == null) {
                    return;
                }
                ServiceInstance previous = this.known.put(key(instance), instance);
                if (previous != null && previous.sameRegistration(instance)) {
                    logger.debug("StellMap heartbeat of {}", instance.instanceId());
                }
                else {
                    logger.info("StellMap {} {}", (previous == null) ? "new instance" : "changed instance",
                            describe(instance));
                }
            }
            case DELETE -> {
                if (this.known.remove(event.service() + "/" + event.instanceId()) != null) {
                    logger.info("StellMap instance gone: {} of {}", event.instanceId(), event.service());
                }
            }
        }
    }

    private String describe(ServiceInstance instance) {
        return instance.instanceId() + " of " + instance.service() + " at " + instance.endpoints().stream()
            .map((e) -> e.name() + "=" + e.host() + ":" + e.port()).toList();
    }

    private static String key(ServiceInstance instance) {
        return instance.service() + "/" + instance.instanceId();
    }

    @Override
    public void destroy() {
        if (this.watch != null) {
            this.watch.dispose();
        }
    }
}
