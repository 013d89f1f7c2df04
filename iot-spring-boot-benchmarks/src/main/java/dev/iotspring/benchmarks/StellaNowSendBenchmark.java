package dev.iotspring.benchmarks;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.stellanow.SendResult;
import dev.iotspring.stellanow.StellaNowEnvelopeCodec;
import dev.iotspring.stellanow.StellaNowMessage;
import dev.iotspring.stellanow.StellaNowTemplate;
import dev.iotspring.stellanow.autoconfigure.StellaNowAutoConfiguration;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * StellaNow events, QoS 1, at most {@value #WINDOW} unacknowledged, to the same embedded broker (HiveMQ CE over
 * TCP on 127.0.0.1), in events per second acknowledged by the broker (PUBACK).
 *
 * <ul>
 * <li>{@code rawSend}: Paho's {@link MqttAsyncClient} used directly ({@link RawPahoBatch}), publishing an
 * envelope of the same size the template produces (about 300 bytes), encoded once.</li>
 * <li>{@code starterSend}: what an application calls: {@link StellaNowTemplate#send} from a Spring Boot context
 * with {@code iot.stellanow.enabled=true}, queue in memory, in-flight {@value #WINDOW}, the auto-configuration's
 * event publisher and delivery listeners, its meters bound to a registry. Each event is built
 * ({@link StellaNowMessage#builder}), encoded into its envelope, queued, dispatched and acknowledged; the call
 * waits for every returned future.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class StellaNowSendBenchmark {

    static final int BATCH = 1000;

    static final int WINDOW = 100;

    static final String ORGANIZATION = "0f5a2c9e-3b1d-4c7a-9e2f-8a6b5c4d3e21";

    static final String PROJECT = "7c1e4b2a-9d3f-4e8a-b6c5-1a2b3c4d5e6f";

    /**
     * A broker of the caller's (e.g. {@code mqtt://localhost:1883}, a Mosquitto) for both sides instead of the
     * embedded one; null runs the embedded broker. Each batch waits for its {@value #BATCH} acknowledgements, so the
     * window runs dry once a batch: against a broker with Nagle's algorithm on its PUBACKs (Mosquitto as it ships)
     * every batch then stalls until a delayed ACK, on both sides. Use such a broker with {@code set_tcp_nodelay
     * true}, or {@link ColdSendRounds}, which waits once.
     */
    String externalBrokerUrl;

    private BenchmarkBroker broker;

    private String brokerUrl;

    private MqttAsyncClient raw;

    private final Semaphore rawWindow = new Semaphore(WINDOW);

    private byte[] rawEnvelope;

    private ConfigurableApplicationContext context;

    private StellaNowTemplate template;

    private StellaNowEnvelopeCodec codec;

    /** The event every send carries: a sensor reading of about 300 bytes of JSON. */
    public record Reading(String sensor, String site, String firmware, double celsius, double humidity,
            double pressureHpa, int batteryPercent, Instant measuredAt, String note) {
    }

    @Setup(Level.Trial)
    public void start() throws Exception {
        this.broker = BenchmarkBroker.start(this.externalBrokerUrl);
        this.brokerUrl = this.broker.url();
        this.context = new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
            .logStartupInfo(false)
            .properties("iot.stellanow.enabled=true", "iot.stellanow.organization-id=" + ORGANIZATION,
                    "iot.stellanow.project-id=" + PROJECT,
                    "iot.stellanow.broker-url=" + this.brokerUrl, "iot.stellanow.auth.strategy=none",
                    "iot.stellanow.client-id=bench-starter", "iot.stellanow.queue.type=memory",
                    "iot.stellanow.queue.in-flight=" + WINDOW)
            .run();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        this.context.getBeansOfType(MeterBinder.class).values().forEach((binder) -> binder.bindTo(registry));
        this.template = this.context.getBean(StellaNowTemplate.class);
        awaitConnected(this.template, this.brokerUrl);
        this.codec = this.context.getBean(StellaNowEnvelopeCodec.class);
        this.rawEnvelope = this.codec.encode(event());
        this.raw = RawPahoBatch.connect(this.brokerUrl, "bench-raw", WINDOW);
        System.out.println("event payload: " + JsonMapper.builder().build().writeValueAsBytes(
                event().payload()).length + " bytes of JSON, envelope: " + this.rawEnvelope.length + " bytes");
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        this.context.close();
        this.raw.disconnect().waitForCompletion(10_000);
        this.raw.close();
        this.broker.close();
    }

    /** Waits up to 30 s for the template's first connection. */
    static void awaitConnected(StellaNowTemplate template, String brokerUrl) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!template.isConnected()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the template did not connect to " + brokerUrl);
            }
            Thread.onSpinWait();
        }
    }

    static StellaNowMessage event() {
        return StellaNowMessage.builder("temperature_reading")
            .entity("sensor", "sensor-0042")
            .payload(new Reading("sensor-0042", "warehouse-7/hall-3/north-wall", "fw-2.14.3-rc1", 21.375, 48.25,
                    1013.6, 87, Instant.now(), "scheduled reading; calibration 2026-11-30; operator shift B"))
            .build();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawSend() throws Exception {
        RawPahoBatch.publish(this.raw, this.rawWindow, this.template.topic(), this.rawEnvelope, BATCH);
    }

    /**
     * Raw Paho doing the envelope work too: each event built and encoded by the starter's codec, then published.
     * The gap between this and {@code starterSend} is what the queue, dispatcher, futures and listeners cost.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawEncodedSend() throws Exception {
        RawPahoBatch.publish(this.raw, this.rawWindow, this.template.topic(), () -> this.codec.encode(event()), BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void starterSend() {
        CompletableFuture<?>[] futures = new CompletableFuture<?>[BATCH];
        for (int i = 0; i < BATCH; i++) {
            CompletableFuture<SendResult> sent = this.template.send(event());
            futures[i] = sent;
        }
        CompletableFuture.allOf(futures).join();
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ IotCoreAutoConfiguration.class, StellaNowAutoConfiguration.class })
    public static class Application {

    }
}
