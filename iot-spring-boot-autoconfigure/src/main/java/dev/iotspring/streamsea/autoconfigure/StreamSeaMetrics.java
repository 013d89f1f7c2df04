package dev.iotspring.streamsea.autoconfigure;

import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import dev.iotspring.core.observe.IotMetrics;
import dev.iotspring.streamsea.StreamSeaListenerEndpointRegistry;
import dev.iotspring.streamsea.StreamSeaTemplate;

/**
 * Meters of the stream-sea template, tagged {@code platform=stream-sea}: the shared {@code iot.messages.sent},
 * {@code iot.messages.failed}, {@code iot.publish.latency} and {@code iot.connection.state}, plus received deliveries, reconnects,
 * subscriptions, malformed frames and listener errors.
 */
public class StreamSeaMetrics implements MeterBinder {

    static final String PLATFORM = "stream-sea";

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
        Tags tags = Tags.of(IotMetrics.TAG_PLATFORM, PLATFORM);
        counter(registry, IotMetrics.MESSAGES_SENT, "Messages published (HTTP 200)", tags,
                (t) -> t.getPublishedCount());
        counter(registry, IotMetrics.MESSAGES_FAILED, "Publish calls that failed", tags,
                (t) -> t.getPublishFailedCount());
        counter(registry, RECEIVED, "Deliveries received over the WebSocket", tags,
                (t) -> t.connectionState().received());
        counter(registry, RECONNECTS, "WebSocket reconnect attempts", tags, (t) -> t.connectionState().reconnects());
        counter(registry, MALFORMED, "Frames skipped: not JSON, no id or an unknown id", tags,
                (t) -> t.connectionState().malformedFrames());
        Timer latency = Timer.builder(IotMetrics.PUBLISH_LATENCY)
            .description("Time from publish to the server's 200")
            .tags(tags)
            .register(registry);
        this.template.setPublishLatencyListener(latency::record);
        Gauge.builder(IotMetrics.CONNECTION_STATE, this.template, (t) -> t.connectionState().connected() ? 1 : 0)
            .description("1 when the WebSocket is open and authenticated")
            .tags(tags)
            .register(registry);
        Gauge.builder(SUBSCRIPTIONS, this.template, (t) -> t.connectionState().subscriptions())
            .description("Subscriptions on the shared WebSocket")
            .tags(tags)
            .register(registry);
        if (this.listeners != null) {
            FunctionCounter.builder(LISTENER_ERRORS, this.listeners, StreamSeaListenerEndpointRegistry::getErrorCount)
                .description("@StreamSeaListener calls that failed")
                .tags(tags)
                .register(registry);
        }
    }

    private void counter(MeterRegistry registry, String name, String description, Tags tags,
            ToDoubleFunction<StreamSeaTemplate> value) {
        FunctionCounter.builder(name, this.template, value).description(description).tags(tags).register(registry);
    }
}
