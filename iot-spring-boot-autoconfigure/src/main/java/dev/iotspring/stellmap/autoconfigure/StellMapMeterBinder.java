package dev.iotspring.stellmap.autoconfigure;

import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import dev.iotspring.core.observe.IotMetrics;
import dev.iotspring.core.observe.PlatformMeters;
import dev.iotspring.stellmap.StellMapAutoRegistration;
import dev.iotspring.stellmap.StellMapRegistry;

/**
 * {@code iot.heartbeats} by outcome (success, failure, reregistered), {@code iot.stellmap.watch.reconnects},
 * {@code iot.stellmap.watch.skipped}, {@code iot.stellmap.cache.size} and {@code iot.stellmap.registered}, all
 * tagged {@code platform=stellmap}.
 */
public class StellMapMeterBinder implements MeterBinder {

    /** Counter: watch streams re-opened (after an end, an error or a 410 rebuild). */
    public static final String WATCH_RECONNECTS = "iot.stellmap.watch.reconnects";

    /** Counter: watch frames skipped because their data was not a JSON object. */
    public static final String WATCH_SKIPPED = "iot.stellmap.watch.skipped";

    /** Gauge: instances held by the watch-fed cache. */
    public static final String CACHE_SIZE = "iot.stellmap.cache.size";

    /** Gauge: 1 while registered. */
    public static final String REGISTERED = "iot.stellmap.registered";

    static final String PLATFORM = "stellmap";

    private final StellMapRegistry registry;

    private final @Nullable StellMapAutoRegistration registration;

    public StellMapMeterBinder(StellMapRegistry registry, @Nullable StellMapAutoRegistration registration) {
        this.registry = registry;
        this.registration = registration;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        PlatformMeters meters = new PlatformMeters(registry, PLATFORM);
        meters.counter(WATCH_RECONNECTS, "StellMap watch streams re-opened", this.registry,
                StellMapRegistry::watchReconnects);
        meters.counter(WATCH_SKIPPED, "StellMap watch frames skipped as unreadable", this.registry,
                StellMapRegistry::skippedWatchFrames);
        meters.gauge(CACHE_SIZE, "Instances in the StellMap cache", this.registry, StellMapRegistry::cacheSize);
        StellMapAutoRegistration auto = this.registration;
        if (auto == null) {
            return;
        }
        heartbeats(meters, auto, "success", StellMapAutoRegistration::heartbeatSuccesses);
        heartbeats(meters, auto, "failure", StellMapAutoRegistration::heartbeatFailures);
        heartbeats(meters, auto, "reregistered", StellMapAutoRegistration::reregistrations);
        meters.gauge(REGISTERED, "1 while registered in StellMap", auto, (a) -> a.isRegistered() ? 1 : 0);
    }

    private static void heartbeats(PlatformMeters meters, StellMapAutoRegistration auto, String outcome,
            ToDoubleFunction<StellMapAutoRegistration> count) {
        meters.tagged(IotMetrics.TAG_OUTCOME, outcome)
            .counter(IotMetrics.HEARTBEATS, "StellMap heartbeats by outcome", auto, count);
    }
}
