package dev.iotspring.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.streamsea.FieldType;
import dev.iotspring.streamsea.SchemaDefinition;
import dev.iotspring.streamsea.StreamSeaClientSettings;
import dev.iotspring.streamsea.StreamSeaConnection;
import dev.iotspring.streamsea.StreamSeaPublishBatching;
import dev.iotspring.streamsea.StreamSeaTemplate;
import dev.iotspring.streamsea.autoconfigure.StreamSeaProperties;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * stream-sea publishes of a ~150-byte object to the in-process emulator over HTTP on loopback, in messages per
 * second acknowledged (200) by the server, one request outstanding at a time (the order-keeping setting).
 *
 * <ul>
 * <li>{@code rawPublish}: WebClient used directly, one {@code POST /streams/bench/publish} per message with
 * {@code {"payload": ..}} (Jackson-written, Basic auth), each waited for before the next.</li>
 * <li>{@code starterPublish}: {@link StreamSeaTemplate#publish} with {@code queue.in-flight=1}: JSON encoding,
 * the in-memory queue, the dispatcher, the futures; {@code batch=off} sends one message per request,
 * {@code batch=on} ({@code iot.stream-sea.batch.enabled} with the default max-size and max-wait) sends
 * consecutive messages as one JSON-array payload. The call waits for every future.</li>
 * </ul>
 * The raw side does not depend on {@code batch}: it runs once per value, so each ratio has its own baseline.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class StreamSeaPublishBenchmark {

    static final int MESSAGES = 200;

    @Param({ "off", "on" })
    public String batch;

    private StreamSeaEmulator emulator;

    private StreamSeaTemplate template;

    private WebClient raw;

    private final JsonMapper json = JsonMapper.builder().build();

    private long seq;

    @Setup(Level.Trial)
    public void start() {
        this.emulator = new StreamSeaEmulator().addClient("bench", "svc", "s3cr3t").start();
        StreamSeaClientSettings settings = StreamSeaClientSettings.builder(this.emulator.host(), "svc")
            .port(this.emulator.port())
            .secure(false)
            .clientSecret("s3cr3t")
            .build();
        StreamSeaPublishBatching batching = "on".equals(this.batch) ? batching() : null;
        this.template = new StreamSeaTemplate(settings, new StreamSeaConnection(settings, this.json), this.json,
                WebClient.builder(), InMemoryQueue.fifo(), (delivery) -> delivery.window(1), batching);
        // Publishing needs only the dispatcher (the WebSocket is for subscriptions).
        this.template.getDispatcher().start();
        this.template.defineStream(SchemaDefinition.builder("bench", 1)
            .field("seq", FieldType.INTEGER)
            .field("source", FieldType.STRING)
            .field("value", FieldType.FLOAT)
            .field("unit", FieldType.STRING)
            .build());
        this.raw = WebClient.builder()
            .baseUrl(this.emulator.httpBaseUrl())
            .defaultHeaders((headers) -> headers.setBasicAuth("svc", "s3cr3t", StandardCharsets.UTF_8))
            .build();
    }

    /**
     * {@code iot.stream-sea.batch.*} defaults with {@code queue.in-flight=1}; {@code -Dbench.batch.max-size} and
     * {@code -Dbench.batch.max-wait} (e.g. {@code 5ms}) try other values.
     */
    static StreamSeaPublishBatching batching() {
        StreamSeaProperties.Batch defaults = new StreamSeaProperties().getBatch();
        int maxSize = Integer.getInteger("bench.batch.max-size", defaults.getMaxSize());
        String wait = System.getProperty("bench.batch.max-wait");
        Duration maxWait = (wait != null) ? DurationStyle.detectAndParse(wait) : defaults.getMaxWait();
        return new StreamSeaPublishBatching(maxSize, maxWait, 1);
    }

    /** Publish requests the emulator received since its recordings were last forgotten. */
    long publishRequests() {
        return this.emulator.httpRequests().stream().filter((request) -> request.path().endsWith("/publish")).count();
    }

    /** The emulator records every request and accepted payload: forgotten after each iteration to bound memory. */
    @TearDown(Level.Iteration)
    public void forgetRecordings() {
        this.emulator.clearRecordings();
    }

    @TearDown(Level.Trial)
    public void stop() {
        this.template.destroy();
        this.emulator.close();
    }

    private Map<String, Object> reading() {
        Map<String, Object> reading = new LinkedHashMap<>();
        reading.put("seq", this.seq++);
        reading.put("source", "boiler-room-7/sensor-0042");
        reading.put("value", 21.5);
        reading.put("unit", "celsius");
        return reading;
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public void rawPublish() {
        for (int i = 0; i < MESSAGES; i++) {
            byte[] body = this.json.writeValueAsBytes(Map.of("payload", reading()));
            this.raw.post()
                .uri("/streams/bench/publish")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .retrieve()
                .toBodilessEntity()
                .block();
        }
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public void starterPublish() {
        CompletableFuture<?>[] futures = new CompletableFuture<?>[MESSAGES];
        for (int i = 0; i < MESSAGES; i++) {
            futures[i] = this.template.publish("bench", reading());
        }
        CompletableFuture.allOf(futures).join();
    }
}
