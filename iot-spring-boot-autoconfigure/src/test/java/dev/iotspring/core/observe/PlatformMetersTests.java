package dev.iotspring.core.observe;

import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PlatformMetersTests {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void countersAndGaugesCarryThePlatformTagAndReadTheirObjectAtScrapeTime() {
        AtomicLong value = new AtomicLong(3);
        PlatformMeters meters = new PlatformMeters(this.registry, "demo");
        meters.counter("demo.count", "A count", value, AtomicLong::get);
        meters.gauge("demo.level", "A level", value, AtomicLong::get);
        value.set(5);

        FunctionCounter counter = this.registry.get("demo.count").tags(IotMetrics.TAG_PLATFORM, "demo").functionCounter();
        Gauge gauge = this.registry.get("demo.level").tags(IotMetrics.TAG_PLATFORM, "demo").gauge();
        assertThat(counter.count()).isEqualTo(5);
        assertThat(counter.getId().getDescription()).isEqualTo("A count");
        assertThat(gauge.value()).isEqualTo(5);
        assertThat(gauge.getId().getDescription()).isEqualTo("A level");
        assertThat(gauge.getId().getTags()).containsExactly(Tag.of(IotMetrics.TAG_PLATFORM, "demo"));
    }

    @Test
    void taggedAddsTagsWithoutChangingTheOriginal() {
        PlatformMeters meters = new PlatformMeters(this.registry, "demo");
        PlatformMeters success = meters.tagged(IotMetrics.TAG_OUTCOME, "success");
        PlatformMeters regional = meters.tagged(Tags.of("region", "eu"));
        success.counter(IotMetrics.HEARTBEATS, "Heartbeats", new AtomicLong(2), AtomicLong::get);
        meters.tagged(IotMetrics.TAG_OUTCOME, "failure")
            .counter(IotMetrics.HEARTBEATS, "Heartbeats", new AtomicLong(1), AtomicLong::get);

        assertThat(meters.tags()).containsExactly(Tag.of(IotMetrics.TAG_PLATFORM, "demo"));
        assertThat(regional.tags()).containsExactlyInAnyOrder(Tag.of(IotMetrics.TAG_PLATFORM, "demo"),
                Tag.of("region", "eu"));
        assertThat(this.registry.get(IotMetrics.HEARTBEATS).tags(IotMetrics.TAG_OUTCOME, "success")
            .functionCounter().count()).isEqualTo(2);
        assertThat(this.registry.get(IotMetrics.HEARTBEATS).tags(IotMetrics.TAG_OUTCOME, "failure")
            .tags(IotMetrics.TAG_PLATFORM, "demo").functionCounter().count()).isEqualTo(1);
    }
}
