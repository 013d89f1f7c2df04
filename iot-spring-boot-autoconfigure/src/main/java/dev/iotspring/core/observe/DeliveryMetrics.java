package dev.iotspring.core.observe;

import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.iotspring.core.delivery.DeliveryListener;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.queue.OutboundMessage;

/**
 * The delivery meters of one platform, tagged {@code platform=<name>}: {@value IotMetrics#MESSAGES_SENT},
 * {@value IotMetrics#MESSAGES_FAILED}, {@value IotMetrics#MESSAGES_DROPPED} (overflow drops plus messages an
 * in-memory queue lost at shutdown), the {@value IotMetrics#QUEUE_SIZE} gauge (accepted, not acknowledged) and
 * the {@value IotMetrics#PUBLISH_LATENCY} timer from the message's creation to its acknowledgement. Platforms
 * declare it as a bean ({@code MeterBinder}) when Micrometer is present; Boot binds it to every registry.
 */
public class DeliveryMetrics implements MeterBinder {

    private final Dispatcher dispatcher;

    private final Tags extraTags;

    public DeliveryMetrics(Dispatcher dispatcher) {
        this(dispatcher, Tags.empty());
    }

    /** @param extraTags added to the platform tag on every meter */
    public DeliveryMetrics(Dispatcher dispatcher, Tags extraTags) {
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.extraTags = Tags.empty().and(extraTags);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        PlatformMeters meters = new PlatformMeters(registry, this.dispatcher.getPlatform()).tagged(this.extraTags);
        meters.counter(IotMetrics.MESSAGES_SENT, "Messages acknowledged by the broker or server", this.dispatcher,
                Dispatcher::sentCount);
        meters.counter(IotMetrics.MESSAGES_FAILED, "Messages rejected by the server", this.dispatcher,
                Dispatcher::failedCount);
        meters.counter(IotMetrics.MESSAGES_DROPPED,
                "Messages discarded by the queue's overflow rule or lost at shutdown", this.dispatcher,
                Dispatcher::droppedCount);
        meters.gauge(IotMetrics.QUEUE_SIZE, "Messages accepted and not acknowledged yet", this.dispatcher,
                (d) -> d.getQueue().size());
        Timer latency = Timer.builder(IotMetrics.PUBLISH_LATENCY)
                .description("Time from handing a message over to its acknowledgement").tags(meters.tags())
                .register(registry);
        this.dispatcher.addListener(new DeliveryListener() {
            @Override
            public void onAcked(OutboundMessage message) {
                // Runs for every acknowledged message: nanoseconds by arithmetic, no Duration objects.
                Instant created = message.createdAt();
                Instant now = Instant.now();
                long nanos = (now.getEpochSecond() - created.getEpochSecond()) * 1_000_000_000L
                        + (now.getNano() - created.getNano());
                latency.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
            }
        });
    }
}
