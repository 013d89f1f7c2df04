package dev.iotspring.core.observe;

import java.util.Objects;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;

/**
 * Registers function counters and gauges of one platform, each tagged {@code platform=<name>} (plus any tags
 * added with {@link #tagged}), so a platform's {@code MeterBinder} states only names, descriptions and values.
 * Values are read from the object at scrape time; Micrometer holds it weakly, as with its own builders.
 */
public final class PlatformMeters {

    private final MeterRegistry registry;

    private final Tags tags;

    public PlatformMeters(MeterRegistry registry, String platform) {
        this(registry, Tags.of(IotMetrics.TAG_PLATFORM, Objects.requireNonNull(platform, "platform")));
    }

    private PlatformMeters(MeterRegistry registry, Tags tags) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tags = tags;
    }

    /** The same registry and tags plus {@code key=value}. */
    public PlatformMeters tagged(String key, String value) {
        return new PlatformMeters(this.registry, this.tags.and(key, value));
    }

    /** The same registry and tags plus {@code more}. */
    public PlatformMeters tagged(Iterable<Tag> more) {
        return new PlatformMeters(this.registry, this.tags.and(more));
    }

    /** The tags every meter registered here carries. */
    public Tags tags() {
        return this.tags;
    }

    /** A monotonically increasing count read from {@code obj}. */
    public <T> FunctionCounter counter(String name, String description, T obj, ToDoubleFunction<T> count) {
        return FunctionCounter.builder(name, obj, count).description(description).tags(this.tags)
                .register(this.registry);
    }

    /** A value read from {@code obj} that goes up and down. */
    public <T> Gauge gauge(String name, String description, T obj, ToDoubleFunction<T> value) {
        return Gauge.builder(name, obj, value).description(description).tags(this.tags).register(this.registry);
    }
}
