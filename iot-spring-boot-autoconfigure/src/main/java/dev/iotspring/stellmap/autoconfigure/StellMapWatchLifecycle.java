package dev.iotspring.stellmap.autoconfigure;

import dev.iotspring.core.lifecycle.IotLifecyclePhases;
import dev.iotspring.stellmap.StellMapHttpRegistry;
import dev.iotspring.stellmap.StellMapRegistry;
import org.springframework.context.SmartLifecycle;

/**
 * Closes the registry cache's SSE streams in the {@link IotLifecyclePhases#CONNECTION} phase, so they end with
 * the other connections instead of failing when Reactor Netty's resources are disposed.
 */
final class StellMapWatchLifecycle implements SmartLifecycle {

    private final StellMapRegistry registry;

    private volatile boolean running;

    StellMapWatchLifecycle(StellMapRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void start() {
        this.running = true;
    }

    @Override
    public void stop() {
        this.running = false;
        // An application's own registry bean (a stub) has no cache watches of ours to close.
        if (this.registry instanceof StellMapHttpRegistry http) {
            http.stopCacheWatches();
        }
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public int getPhase() {
        return IotLifecyclePhases.CONNECTION;
    }
}
