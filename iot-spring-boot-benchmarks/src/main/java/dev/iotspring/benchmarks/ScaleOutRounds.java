package dev.iotspring.benchmarks;

import static dev.iotspring.benchmarks.AlternatingPairs.median;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.postgres.EmbeddedPostgresServer;

/**
 * The scale-out factor measured on a shared, noisy machine: {@link ScaleOutBenchmark}'s instances and work, but
 * rounds that alternate 1, 2 and 3 delivering instances (the order rotating per round), so every ratio compares
 * runs seconds apart under the same load. Prints each round and the medians.
 *
 * <p>Run: {@code ./mvnw -pl iot-spring-boot-benchmarks -am -DskipTests -Pbenchmark verify
 * -Dbenchmark.main=dev.iotspring.benchmarks.ScaleOutRounds -Dbenchmark.args="10"} (the number of rounds). A second
 * argument {@code statements} loads {@code pg_stat_statements} into the server and prints, after the rounds, the
 * statements that took the database's time (calls, total and mean milliseconds, rows).
 */
public final class ScaleOutRounds {

    private ScaleOutRounds() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = (args.length > 0) ? Integer.parseInt(args[0]) : 10;
        boolean statements = args.length > 1 && args[1].equals("statements");
        System.out.println("load average at start: " + loadAverage());
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(statements
                ? Map.of("shared_preload_libraries", "pg_stat_statements", "pg_stat_statements.track", "all")
                : Map.of());
                EmbeddedMqttBroker broker = EmbeddedMqttBroker.startDefault()) {
            broker.recordPublishes(false);
            String database = postgres.createDatabase("scale");
            String url = postgres.jdbcUrl(database);
            if (statements) {
                execute(postgres.dataSource(database), "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            }
            List<ScaleOutBenchmark.Instance> instances = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                instances.add(new ScaleOutBenchmark.Instance(url, "instance-" + i, broker.tcpUrl()));
            }
            ExecutorService producers = Executors.newFixedThreadPool(3);
            long call = 0;
            try {
                for (int warmup = 0; warmup < 3; warmup++) {
                    for (int n = 1; n <= 3; n++) {
                        deliver(instances, n, producers, call++);
                    }
                }
                if (statements) {
                    execute(postgres.dataSource(database), "SELECT pg_stat_statements_reset()");
                }
                Cpu cpu = new Cpu(postgres.port());
                double[][] rates = new double[3][rounds];
                double[][] jvmCpu = new double[3][rounds];
                double[][] pgCpu = new double[3][rounds];
                for (int round = 0; round < rounds; round++) {
                    StringBuilder line = new StringBuilder("round " + (round + 1) + ":");
                    for (int k = 0; k < 3; k++) {
                        int n = (round + k) % 3 + 1;
                        long jvmBefore = cpu.jvmNanos();
                        long pgBefore = cpu.postgresNanos();
                        rates[n - 1][round] = deliver(instances, n, producers, call++);
                        // CPU milliseconds per 1,000 messages delivered: the work, whatever the machine's load.
                        jvmCpu[n - 1][round] = (cpu.jvmNanos() - jvmBefore) / 1e6 / (ScaleOutBenchmark.TOTAL / 1000.0);
                        pgCpu[n - 1][round] = (cpu.postgresNanos() - pgBefore) / 1e6
                                / (ScaleOutBenchmark.TOTAL / 1000.0);
                    }
                    for (int n = 1; n <= 3; n++) {
                        line.append(String.format(Locale.ROOT, " %d instance(s) %,.0f msg/s", n, rates[n - 1][round]));
                    }
                    System.out.println(line);
                }
                double[] twoOverOne = new double[rounds];
                double[] threeOverOne = new double[rounds];
                for (int round = 0; round < rounds; round++) {
                    twoOverOne[round] = rates[1][round] / rates[0][round];
                    threeOverOne[round] = rates[2][round] / rates[0][round];
                }
                System.out.printf(Locale.ROOT, "median msg/s: 1 = %,.0f, 2 = %,.0f, 3 = %,.0f%n", median(rates[0]),
                        median(rates[1]), median(rates[2]));
                System.out.printf(Locale.ROOT, "median per-round ratio: 2/1 = %.2f, 3/1 = %.2f%n", median(twoOverOne),
                        median(threeOverOne));
                for (int n = 1; n <= 3; n++) {
                    double cores = median(rates[n - 1]) * (median(jvmCpu[n - 1]) + median(pgCpu[n - 1])) / 1e6;
                    System.out.printf(Locale.ROOT, "%d instance(s): median CPU ms per 1,000 messages: benchmark JVM "
                            + "(instances + broker) %.0f, PostgreSQL %.0f; cores kept busy at the median rate: %.2f%n", n,
                            median(jvmCpu[n - 1]), median(pgCpu[n - 1]), cores);
                }
                System.out.println("load average at end: " + loadAverage());
                if (statements) {
                    printStatements(postgres.dataSource(database));
                }
            }
            finally {
                producers.shutdownNow();
                instances.forEach(ScaleOutBenchmark.Instance::close);
            }
        }
    }

    /** {@link ScaleOutBenchmark#TOTAL} messages split over the first {@code n} instances; delivered msg/s. */
    private static double deliver(List<ScaleOutBenchmark.Instance> instances, int n, ExecutorService producers,
            long call) throws Exception {
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ScaleOutBenchmark.Instance instance = instances.get(i);
            done.add(producers.submit(() -> instance.sendAndAwait(call, ScaleOutBenchmark.TOTAL / n)));
        }
        for (Future<?> f : done) {
            f.get();
        }
        return ScaleOutBenchmark.TOTAL / ((System.nanoTime() - start) / 1e9);
    }

    /** CPU time of this JVM and of the PostgreSQL server (postmaster and its backends). */
    private static final class Cpu {

        private final com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();

        private final ProcessHandle postmaster;

        Cpu(int port) {
            this.postmaster = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").matches(".*postgres.* -p " + port + "( .*|$)"))
                .findFirst()
                .orElse(null);
            if (this.postmaster == null) {
                System.out.println("PostgreSQL server process not found: its CPU is not counted");
            }
        }

        long jvmNanos() {
            return this.os.getProcessCpuTime();
        }

        long postgresNanos() {
            if (this.postmaster == null) {
                return 0;
            }
            return java.util.stream.Stream.concat(java.util.stream.Stream.of(this.postmaster),
                    this.postmaster.descendants())
                .mapToLong(p -> p.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L))
                .sum();
        }
    }

    private static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** Where the database's time went during the measured rounds, most first. */
    private static void printStatements(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT calls, total_exec_time, mean_exec_time, rows, query "
                        + "FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' "
                        + "ORDER BY total_exec_time DESC LIMIT 10")) {
            System.out.println("pg_stat_statements (measured rounds): calls, total ms, mean ms, rows, statement");
            while (rs.next()) {
                System.out.printf(Locale.ROOT, "%,9d %,10.0f %8.3f %,10d  %s%n", rs.getLong(1), rs.getDouble(2),
                        rs.getDouble(3), rs.getLong(4), rs.getString(5).replaceAll("\\s+", " "));
            }
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        }
        catch (IOException | RuntimeException ex) {
            return "unknown";
        }
    }
}
