package dev.iotspring.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.TrustManagerFactory;

import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.openjdk.jmh.annotations.AuxCounters;
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

import dev.iotspring.astarte.AstarteDeviceClient;
import dev.iotspring.astarte.AstarteDeviceIds;
import dev.iotspring.astarte.AstarteDeviceSettings;
import dev.iotspring.astarte.AstarteInterfaces;
import dev.iotspring.astarte.AstartePairingClient;
import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.mqtt.MqttEndpoint;
import dev.iotspring.core.mqtt.MqttTls;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.store.IotStore;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.test.astarte.AstarteEmulator;
import dev.iotspring.test.tls.IssuedCertificate;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * Astarte datastream sends, QoS 1 (reliability guaranteed), at most {@value #WINDOW} unacknowledged, to the
 * emulator's broker over mutual TLS, in values per second acknowledged by the broker; and QoS 2 (reliability
 * unique, {@code retention=unique}), at most {@value #QOS2_WINDOW} open exchanges on both sides, which includes
 * the device recording its open QoS 2 packet ids in its store (once per 1,024).
 *
 * <ul>
 * <li>{@code rawSend}: Paho used directly with a device certificate, publishing the same BSON bytes an
 * {@code AstarteDevice} would ({@code {"v": double}}), a semaphore as the window.</li>
 * <li>{@code starterSend}: {@link AstarteDeviceClient#send}: interface checks, BSON encoding, the queue of the
 * mapping's retention ({@code volatile}: in memory; {@code stored}: SQLite, synchronous NORMAL), the dispatcher
 * and the connection; the call waits for every future.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class AstarteSendBenchmark {

    static final int BATCH = 1000;

    static final int WINDOW = 100;

    /** {@code MqttPublishWindow}'s limit of QoS 2 publishes awaiting PUBCOMP. */
    static final int QOS2_WINDOW = 19;

    private static final com.sun.management.OperatingSystemMXBean PROCESS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    static final String INTERFACE = "{\"interface_name\":\"org.iotspring.bench.Values\",\"version_major\":1,"
            + "\"version_minor\":0,\"type\":\"datastream\",\"ownership\":\"device\",\"mappings\":["
            + "{\"endpoint\":\"/volatile\",\"type\":\"double\",\"reliability\":\"guaranteed\",\"retention\":\"volatile\"},"
            + "{\"endpoint\":\"/stored\",\"type\":\"double\",\"reliability\":\"guaranteed\",\"retention\":\"stored\"},"
            + "{\"endpoint\":\"/unique\",\"type\":\"double\",\"reliability\":\"unique\",\"retention\":\"volatile\"}]}";

    /** {@code unique}: reliability unique (QoS 2, until PUBCOMP), in memory, against raw Paho at QoS 2. */
    @Param({ "volatile", "stored", "unique" })
    public String retention;

    private AstarteEmulator astarte;

    private Path directory;

    private IotStores stores;

    private AstarteDeviceClient device;

    private MqttAsyncClient raw;

    private String rawTopic;

    private final byte[] payload = bson(21.5);

    private Semaphore rawWindow;

    private Connection commits;

    private long commitSequence;

    @Setup(Level.Trial)
    public void start() throws Exception {
        this.astarte = AstarteEmulator.builder().realm("bench").strict(false).start();
        this.astarte.installInterface(INTERFACE);
        this.directory = Files.createTempDirectory("astarte-bench");
        this.stores = new IotStores(this.directory, SynchronousMode.NORMAL, Duration.ofSeconds(5));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(this.astarte.certificateAuthority().trustStore());
        AstarteInterfaces interfaces = AstarteInterfaces
            .of(List.of(AstarteInterfaces.parse("bench", INTERFACE.getBytes(StandardCharsets.UTF_8))));
        String deviceId = AstarteDeviceIds.random();
        AstarteDeviceSettings settings = AstarteDeviceSettings.builder("bench", deviceId, interfaces)
            .agentToken(this.astarte::agentToken)
            .trustManagers(tmf.getTrustManagers())
            .maxInflight(WINDOW)
            .build();
        IotStore store = this.stores.open("astarte");
        this.device = new AstarteDeviceClient(settings,
                new AstartePairingClient(WebClient.builder().baseUrl(this.astarte.pairingUrl()).build(), "bench",
                        JsonMapper.builder().build(), Duration.ofSeconds(30)),
                store, store.outboundQueue("outbox"), InMemoryQueue.fifo(), b -> b.window(WINDOW), null);
        this.device.start();
        // Ready once a first value went through (pairing, connect and handshake done).
        this.device.send("org.iotspring.bench.Values", "/volatile", 0.0).get(60, TimeUnit.SECONDS);

        String rawId = AstarteDeviceIds.random();
        IssuedCertificate certificate = this.astarte.issueDeviceCertificate(rawId);
        char[] password = "bench".toCharArray();
        KeyStore keys = certificate.keyStore(password);
        MqttTls tls = MqttTls.of(keys, password, this.astarte.certificateAuthority().trustStore());
        this.raw = new MqttAsyncClient(MqttEndpoint.parse(this.astarte.brokerUrl()).pahoServerUri(),
                this.astarte.clientId(rawId), new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(false);
        options.setMaxInflight(WINDOW);
        options.setSocketFactory(tls.socketFactory());
        this.raw.connect(options).waitForCompletion(30_000);
        this.rawTopic = "bench/" + rawId + "/org.iotspring.bench.Values/" + this.retention;
        // At QoS 2 the connection keeps at most 19 exchanges open at once (Mosquitto's default quota is 20), so
        // raw Paho gets the same window.
        this.rawWindow = new Semaphore(isQos2() ? QOS2_WINDOW : WINDOW);
        this.astarte.broker().recordPublishes(false);
        if (this.retention.equals("stored")) {
            this.commits = SqliteOutboxBenchmark.openRaw(this.stores, this.directory.resolve("commits.db"));
            try (Statement create = this.commits.createStatement()) {
                create.execute("CREATE TABLE outbox (seq BIGINT PRIMARY KEY, topic VARCHAR(1024) NOT NULL, "
                        + "payload BLOB NOT NULL)");
            }
        }
    }

    /** The Astarte side decodes and keeps every message: forgotten after each iteration to bound memory. */
    @TearDown(Level.Iteration)
    public void forgetRecordings() {
        this.astarte.clearRecordings();
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        if (this.commits != null) {
            this.commits.close();
        }
        this.device.stop();
        this.raw.disconnect().waitForCompletion(10_000);
        this.raw.close();
        this.stores.close();
        this.astarte.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawSend() throws Exception {
        RawPahoBatch.publish(this.raw, this.rawWindow, this.rawTopic, this.payload, BATCH, isQos2() ? 2 : 1);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void starterSend() {
        CompletableFuture<?>[] futures = new CompletableFuture<?>[BATCH];
        String path = "/" + this.retention;
        for (int i = 0; i < BATCH; i++) {
            futures[i] = this.device.send("org.iotspring.bench.Values", path, 21.5);
        }
        CompletableFuture.allOf(futures).join();
    }

    /**
     * Both sides in turns, one batch each per call (which goes first alternates), each timed: on a shared machine
     * whose load changes from one second to the next, both see the same load. {@link PairReport} prints
     * {@code rawNanos / starterNanos}, the starter's throughput relative to raw, and the same for the CPU time the
     * whole process (client, broker, Astarte side) spent on each side's batch, which the other processes on the
     * machine do not change.
     */
    @Benchmark
    @OperationsPerInvocation(2 * BATCH)
    public void alternating(Turns turns) throws Exception {
        boolean rawFirst = (turns.calls++ % 2) == 0;
        long[] first = timed(rawFirst ? this::rawSend : this::starterSend);
        long[] second = timed(rawFirst ? this::starterSend : this::rawSend);
        long[] raw = rawFirst ? first : second;
        long[] starter = rawFirst ? second : first;
        turns.rawNanos += raw[0];
        turns.rawCpuNanos += raw[1];
        turns.starterNanos += starter[0];
        turns.starterCpuNanos += starter[1];
        if (this.commits != null) {
            long[] commit = timed(this::commitBatch);
            turns.commitNanos += commit[0];
            turns.commitCpuNanos += commit[1];
        }
    }

    /**
     * What the durable outbox must do for a batch on top of publishing, on plain sqlite-jdbc (same file
     * pragmas): one insert committed per value, as a caller returns only after its value is on disk, and one
     * delete of the acknowledged rows. Only for {@code stored}: it bounds what a durable send can reach.
     */
    private void commitBatch() throws SQLException {
        try (PreparedStatement insert = this.commits
            .prepareStatement("INSERT INTO outbox (seq, topic, payload) VALUES (?, ?, ?)")) {
            for (int i = 0; i < BATCH; i++) {
                insert.setLong(1, ++this.commitSequence);
                insert.setString(2, this.rawTopic);
                insert.setBytes(3, this.payload);
                insert.executeUpdate();
            }
        }
        try (Statement delete = this.commits.createStatement()) {
            delete.executeUpdate("DELETE FROM outbox WHERE seq <= " + this.commitSequence);
        }
    }

    /** The BSON an Astarte device sends for an individual double value: {@code {"v": value}}. */
    static byte[] bson(double value) {
        return new RawBsonDocument(new BsonDocument("v", new BsonDouble(value)), new BsonDocumentCodec()).getByteBuffer()
            .array();
    }

    private boolean isQos2() {
        return this.retention.equals("unique");
    }

    /** Runs one batch: its wall-clock time and the CPU time of the whole process, in nanoseconds. */
    private static long[] timed(Batch batch) throws Exception {
        long cpu = PROCESS.getProcessCpuTime();
        long start = System.nanoTime();
        batch.run();
        return new long[] { System.nanoTime() - start, PROCESS.getProcessCpuTime() - cpu };
    }

    private interface Batch {

        void run() throws Exception;
    }

    /** Time spent by each side of {@link #alternating}, summed per iteration. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Turns {

        public long rawNanos;

        public long starterNanos;

        public long rawCpuNanos;

        public long starterCpuNanos;

        /** Only for stored retention: one SQLite commit per value (see {@code commitBatch}). */
        public long commitNanos;

        public long commitCpuNanos;

        long calls;

        @Setup(Level.Iteration)
        public void reset() {
            this.rawNanos = 0;
            this.starterNanos = 0;
            this.rawCpuNanos = 0;
            this.starterCpuNanos = 0;
            this.commitNanos = 0;
            this.commitCpuNanos = 0;
        }
    }
}
