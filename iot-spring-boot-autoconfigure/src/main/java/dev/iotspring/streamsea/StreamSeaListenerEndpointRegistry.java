package dev.iotspring.streamsea;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

import dev.iotspring.core.lifecycle.IotLifecyclePhases;

import org.springframework.context.SmartLifecycle;

/**
 * Runs the {@link StreamSeaListener} endpoints: subscribes each when the application starts (the connection
 * sends them once authenticated) and cancels them when it stops, before the connection closes.
 */
public class StreamSeaListenerEndpointRegistry implements SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(StreamSeaListenerEndpointRegistry.class);

    private final StreamSeaTemplate template;

    private final List<StreamSeaListenerEndpoint> endpoints = new CopyOnWriteArrayList<>();

    private final List<Disposable> running = new ArrayList<>();

    private final AtomicLong errors = new AtomicLong();

    private final AtomicLong invocations = new AtomicLong();

    private final Scheduler scheduler = Schedulers.boundedElastic();

    public StreamSeaListenerEndpointRegistry(StreamSeaTemplate template) {
        this.template = template;
    }

    public void register(StreamSeaListenerEndpoint endpoint) {
        this.endpoints.add(endpoint);
        synchronized (this) {
            if (!this.running.isEmpty()) {
                this.running.add(subscribe(endpoint));
            }
        }
    }

    public List<StreamSeaListenerEndpoint> getEndpoints() {
        return List.copyOf(this.endpoints);
    }

    /** Listener calls that threw, or deliveries that could not be read as the listener's parameter type. */
    public long getErrorCount() {
        return this.errors.get();
    }

    /** Listener calls that returned normally. */
    public long getInvocationCount() {
        return this.invocations.get();
    }

    @Override
    public synchronized void start() {
        if (!this.running.isEmpty()) {
            return;
        }
        for (StreamSeaListenerEndpoint endpoint : this.endpoints) {
            this.running.add(subscribe(endpoint));
        }
    }

    private Disposable subscribe(StreamSeaListenerEndpoint endpoint) {
        GroupMode mode;
        if (endpoint.fanout()) {
            mode = new GroupMode.Fanout();
        }
        else if (endpoint.group() != null) {
            mode = new GroupMode.Fixed(endpoint.group());
        }
        else {
            mode = new GroupMode.ServerDefault();
        }
        Flux<JsonNode> deliveries = this.template.deliveries(endpoint.stream(), mode, endpoint.payloadType());
        logger.debug("Subscribing {} to stream-sea stream '{}'", endpoint.id(), endpoint.stream());
        // Conversion happens here, not in the Flux, so a bad payload counts as a listener error and the
        // subscription goes on.
        return deliveries.publishOn(this.scheduler).subscribe((payload) -> invoke(endpoint, payload));
    }

    private void invoke(StreamSeaListenerEndpoint endpoint, JsonNode payload) {
        try {
            Object argument = (endpoint.payloadType() instanceof Class<?> type && JsonNode.class.isAssignableFrom(type))
                    ? payload : this.template.convert(payload, endpoint.payloadType());
            endpoint.invoke(argument);
            this.invocations.incrementAndGet();
        }
        catch (Throwable ex) {
            this.errors.incrementAndGet();
            logger.error("stream-sea listener {} failed on a delivery of '{}'; it keeps receiving", endpoint.id(),
                    endpoint.stream(), ex);
        }
    }

    @Override
    public synchronized void stop() {
        this.running.forEach(Disposable::dispose);
        this.running.clear();
    }

    @Override
    public synchronized boolean isRunning() {
        return !this.running.isEmpty();
    }

    /** Starts after the connection and stops before it. */
    @Override
    public int getPhase() {
        return IotLifecyclePhases.DELIVERY;
    }
}
