package dev.iotspring.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.test.mqtt.EmbeddedMqttBroker;

/**
 * QoS 1 publishing to the same embedded broker (HiveMQ CE over TCP on 127.0.0.1), in messages per second
 * acknowledged by the broker.
 *
 * <ul>
 * <li>{@code rawPublish}: Paho's {@link MqttAsyncClient} used directly: a semaphore keeps at most
 * {@value #WINDOW} publishes unacknowledged (Paho's {@code maxInflight} is {@value #WINDOW} too; beyond it Paho
 * refuses the publish) and a latch waits for every PUBACK.</li>
 * <li>{@code starterPublish}: {@link MqttConnection#publish} with the same window: futures completed on PUBACK,
 * publishes beyond the window wait inside the connection; the call waits for all futures.</li>
 * </ul>
 * Each call publishes {@value #BATCH} messages and returns when all are acknowledged.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class MqttPublishBenchmark {

    static final int BATCH = 1000;

    static final int WINDOW = 100;

    private static final String TOPIC = "in/benchmark";

    @Param({ "256" })
    public int payloadBytes;

    private byte[] payload;

    private EmbeddedMqttBroker broker;

    private MqttAsyncClient raw;

    private final Semaphore rawWindow = new Semaphore(WINDOW);

    private MqttConnection starter;

    @Setup(Level.Trial)
    public void start() throws MqttException {
        this.payload = new byte[this.payloadBytes];
        this.broker = EmbeddedMqttBroker.builder().webSocket(false).start();
        this.raw = RawPahoBatch.connect(this.broker.tcpUrl(), "bench-raw", WINDOW);
        this.starter = RawPahoBatch.connectStarter(this.broker.tcpUrl(), "bench-starter", WINDOW);
        // Recording 10^6 publishes would only measure the recorder's memory.
        this.broker.recordPublishes(false);
    }

    @TearDown(Level.Trial)
    public void stop() throws MqttException {
        this.starter.close();
        this.raw.disconnect().waitForCompletion(10_000);
        this.raw.close();
        this.broker.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawPublish() throws Exception {
        RawPahoBatch.publish(this.raw, this.rawWindow, TOPIC, this.payload, BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void starterPublish() {
        CompletableFuture<?>[] futures = new CompletableFuture<?>[BATCH];
        for (int i = 0; i < BATCH; i++) {
            futures[i] = this.starter.publish(TOPIC, this.payload, 1, false);
        }
        CompletableFuture.allOf(futures).join();
    }
}
