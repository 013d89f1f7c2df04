package dev.iotspring.integration;

import java.util.Objects;

import reactor.core.publisher.Flux;

import dev.iotspring.stellmap.StellMapRegistry;
import dev.iotspring.stellmap.WatchEvent;
import dev.iotspring.stellmap.WatchOptions;

import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.Message;

/**
 * Watches StellMap while running ({@link StellMapRegistry#watch(WatchOptions)}) and sends each change to the output
 * channel: payload the {@link WatchEvent}; headers {@link IotHeaders#STELLMAP_EVENT_TYPE},
 * {@link IotHeaders#STELLMAP_REVISION}, {@link IotHeaders#STELLMAP_SERVICE} and
 * {@link IotHeaders#STELLMAP_INSTANCE_ID}. The watch resumes by revision after a disconnect, as the registry's does;
 * it ends only on a {@code 400} (an {@link org.springframework.messaging.support.ErrorMessage} to the error channel).
 * A dropped change (see {@link IotMessageDrivenChannelAdapter} for a slow output channel) is not replayed: a
 * consumer that must not miss one gives the adapter a buffer larger than its worst burst or asks
 * {@link StellMapRegistry#cachedInstances} for the current state.
 */
public class StellMapWatchMessageDrivenChannelAdapter extends IotMessageDrivenChannelAdapter<WatchEvent> {

    private final StellMapRegistry registry;

    private final WatchOptions options;

    public StellMapWatchMessageDrivenChannelAdapter(StellMapRegistry registry, WatchOptions options) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.options = Objects.requireNonNull(options, "options");
    }

    @Override
    protected String platform() {
        return "stellmap";
    }

    @Override
    protected Flux<WatchEvent> source() {
        return this.registry.watch(this.options);
    }

    @Override
    protected Message<?> toMessage(WatchEvent event) {
        return MessageBuilder.withPayload(event)
            .setHeader(IotHeaders.STELLMAP_EVENT_TYPE, event.type())
            .setHeader(IotHeaders.STELLMAP_REVISION, event.revision())
            .setHeader(IotHeaders.STELLMAP_SERVICE, event.service())
            .setHeader(IotHeaders.STELLMAP_INSTANCE_ID, event.instanceId())
            .build();
    }
}
