package dev.iotspring.stellmap.cloud;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

import dev.iotspring.stellmap.StellMapRegistry;
import org.springframework.cloud.client.discovery.event.HeartbeatEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * Publishes Spring Cloud's {@link HeartbeatEvent} (state = the StellMap revision) when the discovery cache
 * changed, at most once per {@code interval}, so listeners such as Spring Cloud Gateway's discovery route locator
 * refresh without polling.
 */
public class StellMapHeartbeatPublisher implements SmartLifecycle {

    private final StellMapRegistry registry;

    private final ApplicationEventPublisher publisher;

    private final Duration interval;

    private volatile @Nullable Disposable subscription;

    public StellMapHeartbeatPublisher(StellMapRegistry registry, ApplicationEventPublisher publisher,
            Duration interval) {
        this.registry = registry;
        this.publisher = publisher;
        this.interval = interval;
    }

    @Override
    public void start() {
        this.subscription = this.registry.cacheChanges().sample(this.interval)
            .subscribe((revision) -> this.publisher.publishEvent(new HeartbeatEvent(this, revision)));
    }

    @Override
    public void stop() {
        Disposable current = this.subscription;
        if (current != null) {
            current.dispose();
        }
        this.subscription = null;
    }

    @Override
    public boolean isRunning() {
        return this.subscription != null;
    }
}
