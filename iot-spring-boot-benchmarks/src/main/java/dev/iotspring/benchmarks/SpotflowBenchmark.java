package dev.iotspring.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
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

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.spotflow.SpotflowSender;
import dev.iotspring.spotflow.autoconfigure.SpotflowAutoConfiguration;
import dev.iotspring.test.spotflow.HubCredentials;
import dev.iotspring.test.spotflow.SpotflowEmulator;

/**
 * The Spotflow sender, in messages per second, against its baselines in the same run.
 *
 * <ul>
 * <li>{@code *Enqueue_t1}/{@code _t8}: {@link SpotflowSender#enqueueMessage(byte[])} on the auto-configured bean,
 * store {@code synchronous=FULL}, each call returning once its own row is committed; nothing is delivered (the
 * platform is unreachable), so this is the SQLite side alone. {@code raw}: plain sqlite-jdbc with the same URL
 * pragmas, one row inserted and committed per call (threads take turns: SQLite has one writer). Goals: one
 * producer at least 0.8 of raw; eight producers at least 4 times one (group commit).</li>
 * <li>{@code *Deliver}: {@value #BATCH} messages delivered end to end with one QoS 1 publish in flight, to the
 * same Spotflow emulator broker. {@code raw}: Paho used directly with a device of its own (credentials from the
 * emulator), window 1, same topic shape and payload. {@code starter}: {@code enqueueMessage} for each, then
 * {@code waitEnqueuedMessagesSent} (row committed, published, acknowledged; its delete rides a later commit).
 * Goal: 0.9.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class SpotflowBenchmark {

    static final int BATCH = 500;

    static final String BAG = "stream-group-name=bench&stream-name=values";

    static final byte[] PAYLOAD = "{\"temperature\":21.5,\"humidity\":40.2,\"pressure\":1013.25,\"seq\":1234567}"
        .getBytes(StandardCharsets.UTF_8);

    // ---- enqueue rate on SQLite synchronous=FULL ------------------------------------------------------------

    @Benchmark
    @Threads(1)
    public void rawEnqueue_t1(RawStore store) throws SQLException {
        store.insertOne();
    }

    @Benchmark
    @Threads(1)
    public void starterEnqueue_t1(OfflineSender sender) {
        sender.sender.enqueueMessage(PAYLOAD);
    }

    @Benchmark
    @Threads(8)
    public void rawEnqueue_t8(RawStore store) throws SQLException {
        store.insertOne();
    }

    @Benchmark
    @Threads(8)
    public void starterEnqueue_t8(OfflineSender sender) {
        sender.sender.enqueueMessage(PAYLOAD);
    }

    // ---- end-to-end delivery, one in flight --------------------------------------------------------------

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawDeliver(Delivery delivery) throws Exception {
        RawPahoBatch.publish(delivery.raw, delivery.rawWindow, delivery.rawTopic, PAYLOAD, BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void starterDeliver(Delivery delivery) {
        SpotflowSender sender = delivery.sender;
        for (int i = 0; i < BATCH; i++) {
            sender.enqueueMessage(PAYLOAD);
        }
        if (!sender.waitEnqueuedMessagesSent(Duration.ofMinutes(2))) {
            throw new IllegalStateException("Spotflow did not deliver " + BATCH + " messages within 2 minutes");
        }
    }

    /**
     * Delivery alone: {@link #BATCH} messages enqueued while the hub holds its acknowledgements (only the first goes
     * out meanwhile), then delivered one at a time once it releases them. Returns the nanoseconds the enqueue took,
     * which {@code DurableRounds} leaves out of the measured time.
     */
    public long starterDeliverBacklog(Delivery delivery) {
        SpotflowSender sender = delivery.sender;
        delivery.emulator.withholdStreamAcks();
        long start = System.nanoTime();
        for (int i = 0; i < BATCH; i++) {
            sender.enqueueMessage(PAYLOAD);
        }
        long enqueue = System.nanoTime() - start;
        // Released only once the first acknowledgement is held: one still on its way would be held after the release.
        delivery.emulator.awaitHeldAcks(1, Duration.ofMinutes(1));
        delivery.emulator.releaseAcks();
        if (!sender.waitEnqueuedMessagesSent(Duration.ofMinutes(2))) {
            throw new IllegalStateException("Spotflow did not deliver " + BATCH + " messages within 2 minutes");
        }
        return enqueue;
    }

    // ---- states --------------------------------------------------------------------------------------------

    /** One SQLite file on plain sqlite-jdbc, the starter's URL pragmas with {@code synchronous=FULL}. */
    @State(Scope.Benchmark)
    public static class RawStore {

        private Path directory;

        private Connection connection;

        private PreparedStatement insert;

        private final ReentrantLock lock = new ReentrantLock();

        private final AtomicLong sequence = new AtomicLong();

        @Setup(Level.Trial)
        public void open() throws IOException, SQLException {
            this.directory = Files.createTempDirectory("spotflow-bench-raw");
            IotStores stores = new IotStores(this.directory, SynchronousMode.FULL, Duration.ofSeconds(5));
            this.connection = SqliteOutboxBenchmark.openRaw(stores, this.directory.resolve("raw.db"));
            stores.close();
            try (Statement s = this.connection.createStatement()) {
                s.execute(SqliteOutboxBenchmark.OUTBOX_TABLE);
            }
            this.connection.setAutoCommit(false);
            this.insert = this.connection.prepareStatement("INSERT INTO outbox (queue_name, seq, message_id, "
                    + "destination, payload, qos, retain_flag, created_at, headers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        }

        /** One row, one commit: what a caller of the starter gets when it is alone. */
        void insertOne() throws SQLException {
            String id = UUID.randomUUID().toString();
            Instant now = Instant.now();
            this.lock.lock();
            try {
                this.insert.setString(1, "messages");
                this.insert.setLong(2, this.sequence.getAndIncrement());
                this.insert.setString(3, id);
                this.insert.setString(4, BAG);
                this.insert.setBytes(5, PAYLOAD);
                this.insert.setInt(6, 1);
                this.insert.setInt(7, 0);
                this.insert.setLong(8, now.getEpochSecond() * 1_000_000_000L + now.getNano());
                this.insert.setString(9, null);
                this.insert.executeUpdate();
                this.connection.commit();
            }
            finally {
                this.lock.unlock();
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException, SQLException {
            this.insert.close();
            this.connection.close();
            Contexts.delete(this.directory);
        }
    }

    /**
     * The auto-configured sender with {@code synchronous=FULL} and an unreachable platform: enqueued rows stay
     * (nothing reads or deletes them meanwhile).
     */
    @State(Scope.Benchmark)
    public static class OfflineSender {

        private Path directory;

        private ConfigurableApplicationContext context;

        SpotflowSender sender;

        @Setup(Level.Trial)
        public void start() throws IOException {
            this.directory = Files.createTempDirectory("spotflow-bench-enqueue");
            this.context = Contexts.start(this.directory, "FULL", "iot.spotflow.instance=http://127.0.0.1:9",
                    "iot.spotflow.provisioning-token=bench", "iot.spotflow.device-id=bench-offline",
                    "iot.spotflow.registration-retry-interval=1h");
            this.sender = this.context.getBean(SpotflowSender.class);
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            this.context.close();
            Contexts.delete(this.directory);
        }
    }

    /** One emulator; the auto-configured sender and a raw Paho device both connected to its broker. */
    @State(Scope.Benchmark)
    public static class Delivery {

        @Param({ "FULL", "NORMAL" })
        public String synchronous;

        private SpotflowEmulator emulator;

        private Path directory;

        private ConfigurableApplicationContext context;

        SpotflowSender sender;

        MqttAsyncClient raw;

        String rawTopic;

        final Semaphore rawWindow = new Semaphore(1);

        @Setup(Level.Trial)
        public void start() throws Exception {
            this.emulator = SpotflowEmulator.builder().autoApprove(true).start();
            // Counted, not kept: memory stays flat, and both sides cost the hub the same.
            this.emulator.recordStreamMessages(false);
            this.emulator.broker().recordPublishes(false);
            this.directory = Files.createTempDirectory("spotflow-bench-deliver");
            this.context = Contexts.start(this.directory, this.synchronous, "iot.spotflow.instance=" + this.emulator.url(),
                    "iot.spotflow.provisioning-token=" + this.emulator.provisioningToken(),
                    "iot.spotflow.device-id=bench-starter", "iot.spotflow.mqtt-port=" + this.emulator.mqttPort(),
                    "iot.spotflow.mqtt-tls=false", "iot.spotflow.hub-http-port=" + this.emulator.hubHttpPort(),
                    "iot.spotflow.default-stream-group=bench", "iot.spotflow.default-stream=values",
                    "iot.spotflow.provisioning-poll-interval=100ms");
            this.sender = this.context.getBean(SpotflowSender.class);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (!this.sender.isConnected()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("The Spotflow sender did not connect to the emulator");
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }

            HubCredentials credentials = this.emulator.registerDevice("bench-raw");
            this.raw = new MqttAsyncClient("tcp://127.0.0.1:" + this.emulator.mqttPort(), credentials.hubDeviceId(),
                    new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            options.setCleanSession(false);
            options.setMaxInflight(1);
            options.setKeepAliveInterval(300);
            options.setAutomaticReconnect(false);
            options.setUserName(credentials.username());
            options.setPassword(credentials.sas().toCharArray());
            this.raw.connect(options).waitForCompletion(30_000);
            this.rawTopic = credentials.streamTopic(BAG);
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            this.raw.disconnect().waitForCompletion(10_000);
            this.raw.close();
            this.context.close();
            this.emulator.close();
            Contexts.delete(this.directory);
        }
    }

    /** A Spring Boot context with the core and Spotflow auto-configurations only. */
    static final class Contexts {

        private Contexts() {
        }

        static ConfigurableApplicationContext start(Path storage, String synchronous, String... properties) {
            List<String> all = new ArrayList<>(List.of("iot.spotflow.enabled=true",
                    "iot.storage.directory=" + storage, "iot.storage.synchronous=" + synchronous.toLowerCase(),
                    "iot.shutdown.drain-timeout=1s", "spring.main.banner-mode=off"));
            all.addAll(List.of(properties));
            return new SpringApplicationBuilder(SpotflowOnly.class).web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .properties(all.toArray(String[]::new))
                .run();
        }

        static void delete(Path directory) throws IOException {
            try (var files = Files.walk(directory)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ IotCoreAutoConfiguration.class, SpotflowAutoConfiguration.class })
    static class SpotflowOnly {

    }
}
