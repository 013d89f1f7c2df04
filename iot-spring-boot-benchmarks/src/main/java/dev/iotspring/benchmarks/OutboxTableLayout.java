package dev.iotspring.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.store.IotStores;

/**
 * The outbox table of schema version 1 (a rowid table plus the index of its primary key) against version 2
 * ({@code WITHOUT ROWID}, the primary key is the table), on plain sqlite-jdbc with the starter's URL pragmas: one
 * insert and one delete of an earlier row, each committed on its own, as a queue with one message in flight does.
 * Rounds alternate the two layouts; reports wall and thread CPU time per insert plus delete. With a fifth argument
 * {@code locking}, both sides use version 2 and differ in SQLite's locking mode instead: normal against the
 * exclusive mode a store uses while it is its directory's only user.
 *
 * <pre>
 * ./mvnw -o -q -pl iot-spring-boot-benchmarks -am -Dmaven.test.skip=true -Pbenchmark verify \
 *     -Dbenchmark.main=dev.iotspring.benchmarks.OutboxTableLayout -Dbenchmark.args="NORMAL 5 20000 71"
 * </pre>
 * Arguments: synchronous mode, rounds, messages per round, payload bytes, optionally {@code locking}.
 */
public final class OutboxTableLayout {

    private OutboxTableLayout() {
    }

    public static void main(String[] args) throws Exception {
        SynchronousMode mode = SynchronousMode.valueOf((args.length > 0) ? args[0].toUpperCase(Locale.ROOT) : "NORMAL");
        int rounds = (args.length > 1) ? Integer.parseInt(args[1]) : 5;
        int messages = (args.length > 2) ? Integer.parseInt(args[2]) : 20_000;
        byte[] payload = new byte[(args.length > 3) ? Integer.parseInt(args[3]) : 71];
        boolean locking = args.length > 4 && args[4].equals("locking");
        String[] names = locking ? new String[] { "normal locking", "exclusive locking" }
                : new String[] { "rowid", "without rowid" };
        String rowid = SqliteOutboxBenchmark.OUTBOX_TABLE.replace(" WITHOUT ROWID", "");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[][] cpu = new double[2][rounds];
        double[][] wall = new double[2][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int layout = 0; layout < 2; layout++) {
                Path directory = Files.createTempDirectory("outbox-layout");
                IotStores stores = new IotStores(directory, mode, Duration.ofSeconds(5));
                Path file = directory.resolve("outbox.db");
                try (Connection c = (locking && layout == 0) ? DriverManager.getConnection(stores.jdbcUrl(file))
                        : SqliteOutboxBenchmark.openRaw(stores, file)) {
                    try (Statement s = c.createStatement()) {
                        s.execute((layout == 0 && !locking) ? rowid : SqliteOutboxBenchmark.OUTBOX_TABLE);
                    }
                    PreparedStatement insert = c.prepareStatement("INSERT INTO outbox (queue_name, seq, message_id, "
                            + "destination, payload, qos, retain_flag, created_at, headers) VALUES (?, ?, ?, ?, ?, ?, "
                            + "?, ?, ?)");
                    PreparedStatement delete = c.prepareStatement(
                            "DELETE FROM outbox WHERE queue_name = ? AND seq >= ? AND seq <= ?");
                    long cpu0 = threads.getCurrentThreadCpuTime();
                    long wall0 = System.nanoTime();
                    for (int i = 0; i < messages; i++) {
                        insert.setString(1, "messages");
                        insert.setLong(2, i);
                        insert.setString(3, UUID.randomUUID().toString());
                        insert.setString(4, SpotflowBenchmark.BAG);
                        insert.setBytes(5, payload);
                        insert.setInt(6, 1);
                        insert.setInt(7, 0);
                        insert.setLong(8, System.nanoTime());
                        insert.setNull(9, Types.VARCHAR);
                        insert.executeUpdate();
                        if (i >= 1) {
                            // The row acknowledged one message ago, as with one in flight.
                            delete.setString(1, "messages");
                            delete.setLong(2, i - 1);
                            delete.setLong(3, i - 1);
                            delete.executeUpdate();
                        }
                    }
                    wall[layout][r] = (System.nanoTime() - wall0) / 1e3 / messages;
                    cpu[layout][r] = (threads.getCurrentThreadCpuTime() - cpu0) / 1e3 / messages;
                }
                stores.close();
                SpotflowBenchmark.Contexts.delete(directory);
            }
            System.out.printf(Locale.ROOT, "round %d: %s %.1f us wall %.1f us CPU, %s %.1f us wall %.1f us CPU%n",
                    r + 1, names[0], wall[0][r], cpu[0][r], names[1], wall[1][r], cpu[1][r]);
        }
        System.out.printf(Locale.ROOT, "%s, %d-byte payload, per insert + delete (medians): %s %.1f us wall "
                + "%.1f us CPU; %s %.1f us wall %.1f us CPU; ratio %s / %s: wall %.2f, CPU %.2f%n", mode,
                payload.length, names[0], AlternatingPairs.median(wall[0]), AlternatingPairs.median(cpu[0]), names[1],
                AlternatingPairs.median(wall[1]), AlternatingPairs.median(cpu[1]), names[1], names[0],
                AlternatingPairs.median(wall[1]) / AlternatingPairs.median(wall[0]),
                AlternatingPairs.median(cpu[1]) / AlternatingPairs.median(cpu[0]));
    }
}
