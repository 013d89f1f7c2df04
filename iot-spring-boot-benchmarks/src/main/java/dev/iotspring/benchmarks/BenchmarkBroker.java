package dev.iotspring.benchmarks;

import org.jspecify.annotations.Nullable;

import dev.iotspring.test.mqtt.EmbeddedMqttBroker;

/**
 * The broker both sides of an MQTT pair publish to: the caller's ({@code --broker=}, a Mosquitto say), or an
 * embedded one started here (plain TCP, publishes not recorded) and stopped by {@link #close}.
 */
final class BenchmarkBroker implements AutoCloseable {

    private final @Nullable EmbeddedMqttBroker embedded;

    private final String url;

    private BenchmarkBroker(@Nullable EmbeddedMqttBroker embedded, String url) {
        this.embedded = embedded;
        this.url = url;
    }

    /** The broker at {@code externalUrl}, or an embedded one when it is null. */
    static BenchmarkBroker start(@Nullable String externalUrl) {
        if (externalUrl != null) {
            return new BenchmarkBroker(null, externalUrl);
        }
        EmbeddedMqttBroker broker = EmbeddedMqttBroker.builder().webSocket(false).start();
        broker.recordPublishes(false);
        return new BenchmarkBroker(broker, broker.tcpUrl());
    }

    String url() {
        return this.url;
    }

    @Override
    public void close() {
        if (this.embedded != null) {
            this.embedded.close();
        }
    }
}
