package dev.iotspring.spotflow.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.iotspring.core.observe.IotMetrics;
import dev.iotspring.core.observe.PlatformMeters;
import dev.iotspring.spotflow.SpotflowHub;

/**
 * {@value IotMetrics#CONNECTION_STATE} for Spotflow: 1 while connected with the twin fetched. Read through the hub,
 * since its MQTT connection is made only once the device is registered (and made anew on another hub).
 */
class SpotflowConnectionMetrics implements MeterBinder {

    private final SpotflowHub hub;

    SpotflowConnectionMetrics(SpotflowHub hub) {
        this.hub = hub;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        new PlatformMeters(registry, SpotflowAutoConfiguration.PLATFORM).gauge(IotMetrics.CONNECTION_STATE,
                "1 while the hub connection is up and the twin fetched, 0 otherwise", this.hub,
                (h) -> h.isReady() ? 1.0 : 0.0);
    }
}
