package dev.iotspring.core.mqtt;

import java.util.Objects;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.iotspring.core.observe.IotMetrics;
import dev.iotspring.core.observe.PlatformMeters;

/**
 * Gauges {@value IotMetrics#CONNECTION_STATE} (1 connected, 0 otherwise) for one connection, tagged with its
 * platform. Register it as a bean (Boot binds every {@link MeterBinder}) or call {@link #bindTo} directly.
 */
public final class MqttConnectionMetrics implements MeterBinder {

    private final MqttConnection connection;

    private final String platform;

    public MqttConnectionMetrics(MqttConnection connection, String platform) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.platform = Objects.requireNonNull(platform, "platform");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        new PlatformMeters(registry, this.platform).gauge(IotMetrics.CONNECTION_STATE,
                "1 while the MQTT connection is up, 0 otherwise", this.connection, (c) -> c.isConnected() ? 1.0 : 0.0);
    }
}
