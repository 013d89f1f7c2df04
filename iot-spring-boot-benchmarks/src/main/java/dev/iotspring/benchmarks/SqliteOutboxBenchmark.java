package dev.iotspring.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

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

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.core.store.JdbcOutboundQueue;

/**
 * Enqueueing into SQLite (WAL, same {@code synchronous} mode on both sides), in messages per second.
 *
 * <ul>
 * <li>{@code raw*}: plain sqlite-jdbc, one connection (SQLite has one writer; threads take turns on a lock),
 * prepared-statement insert into a table shaped like the outbox, commit.</li>
 * <li>{@code starter*}: {@link JdbcOutboundQueue} on the starter's own pool, the same rows.</li>
 * <li>{@code *Batch}: each call writes 100 messages in one transaction (raw: {@code addBatch}; starter:
 * {@code offerAll}).</li>
 * <li>{@code *Single}: each call writes one message and returns when it is committed (raw: one transaction per
 * message; starter: {@code offer}, where concurrent producers share transactions through group commit).</li>
 * <li>{@code _t1}/{@code _t8}: 1 or 8 producer threads.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class SqliteOutboxBenchmark {

    /** The starter's outbox table on SQLite (its schema version 2: keyed by the primary key alone). */
    static final String OUTBOX_TABLE = "CREATE TABLE outbox (queue_name VARCHAR(100) NOT NULL, seq BIGINT NOT NULL, "
            + "message_id VARCHAR(255) NOT NULL, destination VARCHAR(1024) NOT NULL, payload BLOB NOT NULL, "
            + "qos SMALLINT NOT NULL, retain_flag SMALLINT NOT NULL, created_at BIGINT NOT NULL, "
            + "headers VARCHAR(4000), PRIMARY KEY (queue_name, seq)) WITHOUT ROWID";

    static final int BATCH = 100;

    private static final byte[] PAYLOAD = new byte[256];

    @Param({ "FULL", "NORMAL" })
    public String synchronous;

    private Path directory;

    private Connection raw;

    private PreparedStatement rawInsert;

    private final ReentrantLock rawLock = new ReentrantLock();

    private final AtomicLong rawSequence = new AtomicLong();

    private IotStores stores;

    private JdbcOutboundQueue queue;

    @Setup(Level.Trial)
    public void open() throws IOException, SQLException {
        this.directory = Files.createTempDirectory("iot-bench");
        SynchronousMode mode = SynchronousMode.valueOf(this.synchronous.toUpperCase(Locale.ROOT));
        this.stores = new IotStores(this.directory, mode, Duration.ofSeconds(5));
        this.queue = this.stores.open("starter").outboundQueue("bench");
        // The same URL pragmas the starter uses, on a plain connection.
        this.raw = openRaw(this.stores, this.directory.resolve("raw.db"));
        try (Statement s = this.raw.createStatement()) {
            s.execute(OUTBOX_TABLE);
        }
        this.raw.setAutoCommit(false);
        this.rawInsert = this.raw.prepareStatement("INSERT INTO outbox (queue_name, seq, message_id, destination, "
                + "payload, qos, retain_flag, created_at, headers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    }

    @TearDown(Level.Trial)
    public void close() throws IOException, SQLException {
        this.rawInsert.close();
        this.raw.close();
        this.stores.close();
        SqliteOutboxBenchmark.deleteDirectory(this.directory);
    }

    // ---- batches of 100 -----------------------------------------------------------------------------------

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public void rawBatch_t1() throws SQLException {
        rawInsert(BATCH);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public void starterBatch_t1() {
        this.queue.offerAll(messages(BATCH));
    }

    @Benchmark
    @Threads(8)
    @OperationsPerInvocation(BATCH)
    public void rawBatch_t8() throws SQLException {
        rawInsert(BATCH);
    }

    @Benchmark
    @Threads(8)
    @OperationsPerInvocation(BATCH)
    public void starterBatch_t8() {
        this.queue.offerAll(messages(BATCH));
    }

    // ---- one message per call -----------------------------------------------------------------------------

    @Benchmark
    @Threads(1)
    public void rawSingle_t1() throws SQLException {
        rawInsert(1);
    }

    @Benchmark
    @Threads(1)
    public void starterSingle_t1() {
        this.queue.offer(message());
    }

    @Benchmark
    @Threads(8)
    public void rawSingle_t8() throws SQLException {
        rawInsert(1);
    }

    @Benchmark
    @Threads(8)
    public void starterSingle_t8() {
        this.queue.offer(message());
    }

    /**
     * A plain sqlite-jdbc connection as the starter's stores have theirs: the same URL pragmas and checkpoint size,
     * and the file locked exclusively, as a store that is its directory's only user in the JVM locks it.
     */
    static Connection openRaw(IotStores stores, Path file) throws SQLException {
        Connection connection = DriverManager.getConnection(stores.jdbcUrl(file));
        try (Statement s = connection.createStatement()) {
            s.executeQuery("SELECT count(*) FROM sqlite_master").close();
            s.execute("PRAGMA locking_mode=EXCLUSIVE");
            s.executeQuery("SELECT count(*) FROM sqlite_master").close();
            s.execute("PRAGMA wal_autocheckpoint=" + stores.getWalCheckpointPages());
        }
        return connection;
    }

    /** Removes a benchmark's temporary directory and everything in it. */
    static void deleteDirectory(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    JdbcOutboundQueue queue() {
        return this.queue;
    }

    private void rawInsert(int count) throws SQLException {
        List<OutboundMessage> messages = messages(count);
        this.rawLock.lock();
        try {
            for (OutboundMessage m : messages) {
                this.rawInsert.setString(1, "bench");
                this.rawInsert.setLong(2, this.rawSequence.getAndIncrement());
                this.rawInsert.setString(3, m.id());
                this.rawInsert.setString(4, m.destination());
                this.rawInsert.setBytes(5, m.payload());
                this.rawInsert.setInt(6, m.qos());
                this.rawInsert.setInt(7, 0);
                Instant t = m.createdAt();
                this.rawInsert.setLong(8, t.getEpochSecond() * 1_000_000_000L + t.getNano());
                this.rawInsert.setString(9, null);
                this.rawInsert.addBatch();
            }
            this.rawInsert.executeBatch();
            this.raw.commit();
        }
        finally {
            this.rawLock.unlock();
        }
    }

    private static final AtomicLong ids = new AtomicLong();

    private static OutboundMessage message() {
        return OutboundMessage.of(Long.toString(ids.incrementAndGet()), "devices/bench/events", PAYLOAD);
    }

    private static List<OutboundMessage> messages(int count) {
        List<OutboundMessage> messages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            messages.add(message());
        }
        return messages;
    }
}
