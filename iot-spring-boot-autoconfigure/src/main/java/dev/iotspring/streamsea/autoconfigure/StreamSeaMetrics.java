package dev.iotspring.streamsea.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import dev.iotspring.core.observe.DeliveryMetrics;
import dev.iotspring.core.observe.IotMetrics;
import dev.iotspring.core.observe.PlatformMeters;
import dev.iotspring.streamsea.StreamSeaListenerEndpointRegistry;
import dev.iotspring.streamsea.StreamSeaTemplate;

/**
 * Meters of the stream-sea template, tagged {@code platform=streamsea}: the core delivery meters of the publish
 * queue ({@link DeliveryMetrics}: {@code iot.messages.sent/failed/dropped}, {@code iot.queue.size},
 * {@code iot.publish.latency}), {@code iot.connection.state}, plus received deliveries, reconnects, subscriptions,
 * malformed frames and listener errors.
 */
public class StreamSeaMetrics implements MeterBinder {

    public static final String RECEIVED = "iot.stream-sea.messages.received";

    public static final String RECONNECTS = "iot.stream-sea.reconnects";

    public static final String SUBSCRIPTIONS = "iot.stream-sea.subscriptions";

    public static final String MALFORMED = "iot.stream-sea.frames.malformed";

    public static final String LISTENER_ERRORS = "iot.stream-sea.listener.errors";

    private final StreamSeaTemplate template;

    private final @Nullable StreamSeaListenerEndpointRegistry listeners;

    public StreamSeaMetrics(StreamSeaTemplate template, @Nullable StreamSeaListenerEndpointRegistry listeners) {
        this.template = template;
        this.listeners = listeners;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        PlatformMeters meters = new PlatformMeters(registry, StreamSeaTemplate.PLATFORM);
        // Sent, failed, dropped, queue size and publish latency: the core meters of the publish dispatcher.
        new DeliveryMetrics(this.template.getDispatcher()).bindTo(registry);
        meters.counter(RECEIVED, "Deliveries received over the WebSocket", this.template,
                (t) -> t.connectionState().received());
        meters.counter(RECONNECTS, "WebSocket reconnect attempts", this.template,
                (t) -> t.connectionState().reconnects());
        meters.counter(MALFORMED, "Frames skipped: not JSON, no id or an unknown id", this.template,
                (t) -> t.connectionState().malformedFrames());
        meters.gauge(IotMetrics.CONNECTION_STATE, "1 when the WebSocket is open and authenticated", this.template,
                (t) -> t.connectionState().connected() ? 1 : 0);
        meters.gauge(SUBSCRIPTIONS, "Subscriptions on the shared WebSocket", this.template,
                (t) -> t.connectionState().subscriptions());
        if (this.listeners != null) {
            meters.counter(LISTENER_ERRORS, "@StreamSeaListener calls that failed", this.listeners,
                    StreamSeaListenerEndpointRegistry::getErrorCount);
        }
    }
}
