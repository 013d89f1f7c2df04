package dev.iotspring.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.jspecify.annotations.Nullable;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.util.unit.DataSize;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttMessageSender;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.stellanow.StellaNowEnvelopeCodec;
import dev.iotspring.stellanow.StellaNowMessage;
import dev.iotspring.stellanow.StellaNowTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a user calls with {@code queue.type=durable}: {@link StellaNowTemplate#send} (envelope, SQLite outbox
 * commit, dispatcher, MQTT connection) until the PUBACK, to the embedded broker (HiveMQ CE, TCP on 127.0.0.1),
 * window {@value #WINDOW}, events of about 300 bytes. Each call sends {@value #BATCH} events, then waits for all
 * their acknowledgements.
 *
 * <ul>
 * <li>{@code rawPublish} / {@code starterPublish}: one producer thread; raw Paho ({@link MemoryPersistence}, no
 * disk) with the same window publishing the same envelope bytes, against the template on the durable queue.
 * The pair of goal 3 (run it with {@code -p synchronous=NORMAL}).</li>
 * <li>{@code send_t1} / {@code send_t8}: the template with 1 or 8 producer threads; every {@code send} returns
 * once its own event is committed. With {@code -p synchronous=FULL} their ratio is what group commit gives
 * (goal 2).</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class DurableSendBenchmark {

    static final int BATCH = 500;

    static final int WINDOW = 100;

    /** Client ids unique per instance: several instances may share an external broker. */
    private static final AtomicInteger instances = new AtomicInteger();

    @Param({ "NORMAL", "FULL" })
    public String synchronous;

    /** iot.storage.wal-checkpoint-size; null: the default for the synchronous mode. */
    public @Nullable DataSize walCheckpointSize;

    /**
     * A broker of the caller's (e.g. {@code mqtt://localhost:1883}, a Mosquitto) for both sides instead of the
     * embedded one; null runs the embedded broker.
     */
    @Nullable String externalBrokerUrl;

    private Path directory;

    private BenchmarkBroker broker;

    private MqttAsyncClient raw;

    private final Semaphore rawWindow = new Semaphore(WINDOW);

    private IotStores stores;

    private MqttConnection connection;

    private Dispatcher dispatcher;

    private StellaNowTemplate template;

    private StellaNowEnvelopeCodec codec;

    private byte[] envelope;

    @Setup(Level.Trial)
    public void start() throws IOException, MqttException {
        this.directory = Files.createTempDirectory("iot-durable-bench");
        this.broker = BenchmarkBroker.start(this.externalBrokerUrl);
        String brokerUrl = this.broker.url();
        int instance = instances.incrementAndGet();
        this.raw = RawPahoBatch.connect(brokerUrl, "bench-raw-" + instance, WINDOW);
        SynchronousMode mode = SynchronousMode.valueOf(this.synchronous.toUpperCase(Locale.ROOT));
        this.stores = new IotStores(this.directory, mode, Duration.ofSeconds(5));
        this.stores.setWalCheckpointSize(this.walCheckpointSize);
        this.connection = RawPahoBatch.connectStarter(brokerUrl, "bench-starter-" + instance, WINDOW);
        this.dispatcher = Dispatcher
            .builder("stellanow", this.stores.open("stellanow").outboundQueue("events"),
                    new MqttMessageSender(this.connection))
            .window(WINDOW)
            .build();
        this.codec = new StellaNowEnvelopeCodec(JsonMapper.builder().build(), UUID.randomUUID(), UUID.randomUUID());
        this.template = new StellaNowTemplate(this.codec, this.dispatcher, this.connection);
        this.dispatcher.start();
        this.envelope = this.codec.encode(event());
        System.out.println("envelope bytes: " + this.envelope.length);
    }

    @TearDown(Level.Trial)
    public void stop() throws MqttException, IOException {
        this.dispatcher.stop();
        this.connection.close();
        this.stores.close();
        this.raw.disconnect().waitForCompletion(10_000);
        this.raw.close();
        this.broker.close();
        SqliteOutboxBenchmark.deleteDirectory(this.directory);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawPublish() throws Exception {
        RawPahoBatch.publish(this.raw, this.rawWindow, this.codec.topic(), this.envelope, BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void starterPublish() {
        sendBatch();
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public void send_t1() {
        sendBatch();
    }

    @Benchmark
    @Threads(8)
    @OperationsPerInvocation(BATCH)
    public void send_t8() {
        sendBatch();
    }

    private void sendBatch() {
        CompletableFuture<?>[] futures = new CompletableFuture<?>[BATCH];
        for (int i = 0; i < BATCH; i++) {
            futures[i] = this.template.send(event());
        }
        CompletableFuture.allOf(futures).join();
    }

    StellaNowTemplate template() {
        return this.template;
    }

    /** About 300 bytes once in the envelope. */
    static StellaNowMessage event() {
        return StellaNowMessage.builder("bench_reading")
            .entity("device", "device-0042")
            .payload(Map.of("temperature", 21.5))
            .build();
    }
}
