package dev.iotspring.stellmap.autoconfigure;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import dev.iotspring.core.observe.IotMetrics;
import dev.iotspring.stellmap.StellMapAutoRegistration;
import dev.iotspring.stellmap.StellMapRegistry;

/**
 * {@code iot.heartbeats} by outcome (success, failure, reregistered), {@code iot.stellmap.watch.reconnects},
 * {@code iot.stellmap.cache.size} and {@code iot.stellmap.registered}, all tagged {@code platform=stellmap}.
 */
public class StellMapMeterBinder implements MeterBinder {

    /** Counter: watch streams re-opened (after an end, an error or a 410 rebuild). */
    public static final String WATCH_RECONNECTS = "iot.stellmap.watch.reconnects";

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
    public void bindTo(MeterRegistry meters) {
        FunctionCounter.builder(WATCH_RECONNECTS, this.registry, StellMapRegistry::watchReconnects)
            .tag(IotMetrics.TAG_PLATFORM, PLATFORM).description("StellMap watch streams re-opened").register(meters);
        Gauge.builder(CACHE_SIZE, this.registry, StellMapRegistry::cacheSize)
            .tag(IotMetrics.TAG_PLATFORM, PLATFORM).description("Instances in the StellMap cache").register(meters);
        StellMapAutoRegistration auto = this.registration;
        if (auto == null) {
            return;
        }
        heartbeats(meters, auto, "success", StellMapAutoRegistration::getHeartbeatSuccesses);
        heartbeats(meters, auto, "failure", StellMapAutoRegistration::getHeartbeatFailures);
        heartbeats(meters, auto, "reregistered", StellMapAutoRegistration::getReregistrations);
        Gauge.builder(REGISTERED, auto, (a) -> a.isRegistered() ? 1 : 0)
            .tag(IotMetrics.TAG_PLATFORM, PLATFORM).description("1 while registered in StellMap").register(meters);
    }

    private static void heartbeats(MeterRegistry meters, StellMapAutoRegistration auto, String outcome,
            java.util.function.ToDoubleFunction<StellMapAutoRegistration> count) {
        FunctionCounter.builder(IotMetrics.HEARTBEATS, auto, count)
            .tag(IotMetrics.TAG_PLATFORM, PLATFORM).tag(IotMetrics.TAG_OUTCOME, outcome)
            .description("StellMap heartbeats by outcome").register(meters);
    }
}
