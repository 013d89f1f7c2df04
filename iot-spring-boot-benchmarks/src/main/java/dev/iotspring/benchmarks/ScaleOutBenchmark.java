package dev.iotspring.benchmarks;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import com.zaxxer.hikari.HikariDataSource;

import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttConnectionSettings;
import dev.iotspring.core.mqtt.MqttEndpoint;
import dev.iotspring.core.mqtt.MqttMessageSender;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.shared.SharedOutbox;
import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.postgres.EmbeddedPostgresServer;

/**
 * Scale-out on one shared outbox: 1, 2 or 3 application instances (each its own connection pool, shared-outbox
 * queue, MQTT connection and dispatcher, as separate processes would have; here in one JVM) on one PostgreSQL
 * database, publishing to one broker. One operation is one message delivered: each invocation every instance
 * queues its share of the messages (in transactions of {@value #CHUNK}) and waits until the broker
 * acknowledged them all. The score is delivered messages per second over all instances: each invocation delivers
 * {@value #TOTAL} messages, split evenly over the instances, so the three scores compare directly (2 instances
 * / 1 instance is the scale-out factor).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class ScaleOutBenchmark {

    /** Messages per invocation, over all instances (divisible by 1, 2 and 3). */
    static final int TOTAL = 6000;

    static final int CHUNK = 100;

    private static final byte[] PAYLOAD = new byte[256];

    @Param({ "1", "2", "3" })
    public int instances;

    private EmbeddedPostgresServer postgres;

    private EmbeddedMqttBroker broker;

    private final List<Instance> running = new ArrayList<>();

    private ExecutorService producers;

    private long invocation;

    @Setup(Level.Trial)
    public void start() {
        this.postgres = EmbeddedPostgresServer.start();
        String url = this.postgres.jdbcUrl(this.postgres.createDatabase("scale"));
        this.broker = EmbeddedMqttBroker.startDefault();
        // The broker keeps no copies: the benchmark measures delivery, not the test recorder.
        this.broker.recordPublishes(false);
        for (int i = 0; i < this.instances; i++) {
            this.running.add(new Instance(url, "instance-" + i, this.broker.tcpUrl()));
        }
        this.producers = Executors.newFixedThreadPool(this.instances);
    }

    @TearDown(Level.Trial)
    public void stop() {
        this.producers.shutdownNow();
        this.running.forEach(Instance::close);
        this.running.clear();
        this.broker.close();
        this.postgres.close();
    }

    /** Each call: the instances queue and deliver {@value #TOTAL} messages between them. */
    @Benchmark
    @org.openjdk.jmh.annotations.OperationsPerInvocation(TOTAL)
    public void deliver() throws Exception {
        long call = this.invocation++;
        List<Future<?>> done = new ArrayList<>(this.instances);
        for (Instance instance : this.running) {
            done.add(this.producers.submit(() -> instance.sendAndAwait(call, TOTAL / this.instances)));
        }
        for (Future<?> f : done) {
            f.get();
        }
    }

    /** One application instance: pool, shared-outbox queue, MQTT connection, dispatcher. */
    static final class Instance {

        final HikariDataSource dataSource = new HikariDataSource();

        final SharedOutbox outbox;

        final MqttConnection connection;

        final Dispatcher dispatcher;

        final String id;

        Instance(String url, String id, String brokerUrl) {
            this.id = id;
            this.dataSource.setJdbcUrl(url);
            this.dataSource.setUsername("postgres");
            this.dataSource.setMaximumPoolSize(4);
            this.outbox = new SharedOutbox(this.dataSource, "iot_", id, Duration.ofSeconds(10));
            this.connection = new MqttConnection(MqttConnectionSettings.builder(MqttEndpoint.parse(brokerUrl), id)
                .maxInflight(100)
                .build());
            this.connection.start();
            this.dispatcher = Dispatcher.builder("bench", this.outbox.open("bench.events", 0,
                    OverflowStrategy.RAISE_EXCEPTION), new MqttMessageSender(this.connection)).window(100).build();
            this.dispatcher.start();
        }

        void sendAndAwait(long call, int count) {
            Instant now = Instant.now();
            for (int from = 0; from < count; from += CHUNK) {
                List<OutboundMessage> chunk = new ArrayList<>(CHUNK);
                for (int i = from; i < from + CHUNK; i++) {
                    chunk.add(new OutboundMessage(this.id + "-" + call + "-" + i, "bench/" + this.id, PAYLOAD, 1,
                            false, now));
                }
                this.dispatcher.sendAll(chunk);
            }
            if (!this.dispatcher.flush(Duration.ofMinutes(2))) {
                throw new IllegalStateException(this.id + " did not deliver in time");
            }
        }

        void close() {
            this.dispatcher.stop();
            this.connection.stop(Duration.ofSeconds(10));
            this.dispatcher.getQueue().close();
            this.outbox.close();
            this.dataSource.close();
        }
    }
}
