package dev.iotspring.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.postgres.EmbeddedPostgresServer;

/**
 * The scale-out factor measured on a shared, noisy machine: {@link ScaleOutBenchmark}'s instances and work, but
 * rounds that alternate 1, 2 and 3 delivering instances (the order rotating per round), so every ratio compares
 * runs seconds apart under the same load. Prints each round and the medians.
 *
 * <p>Run: {@code ./mvnw -pl iot-spring-boot-benchmarks -am -DskipTests -Pbenchmark verify
 * -Dbenchmark.main=dev.iotspring.benchmarks.ScaleOutRounds -Dbenchmark.args="10"} (the number of rounds).
 */
public final class ScaleOutRounds {

    private ScaleOutRounds() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = (args.length > 0) ? Integer.parseInt(args[0]) : 10;
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start();
                EmbeddedMqttBroker broker = EmbeddedMqttBroker.startDefault()) {
            broker.recordPublishes(false);
            String url = postgres.jdbcUrl(postgres.createDatabase("scale"));
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
                double[][] rates = new double[3][rounds];
                for (int round = 0; round < rounds; round++) {
                    StringBuilder line = new StringBuilder("round " + (round + 1) + ":");
                    for (int k = 0; k < 3; k++) {
                        int n = (round + k) % 3 + 1;
                        rates[n - 1][round] = deliver(instances, n, producers, call++);
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

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return (sorted.length % 2 == 1) ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
