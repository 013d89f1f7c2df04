package dev.iotspring.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

import jdk.jfr.Recording;

/**
 * A pair measured by alternation instead of JMH's one-after-the-other: on a shared machine whose load swings by
 * the minute, the raw side and the starter side run in turns ({@code rounds} times, order flipped every round),
 * each turn timing {@code batches} calls, and the report gives both medians and the median of the per-round ratios.
 * Run with {@code -Dbenchmark.main=dev.iotspring.benchmarks.AlternatingPairs -Dbenchmark.args="stellanow 9 5"}
 * (pair, rounds, batches per turn; optional 4th argument: a JFR file recorded during the measured rounds).
 */
public final class AlternatingPairs {

    private AlternatingPairs() {
    }

    /** One side of a pair: a call that does {@code messages} units of work. */
    interface Batch {

        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        String pair = (args.length > 0) ? args[0] : "stellanow";
        int rounds = (args.length > 1) ? Integer.parseInt(args[1]) : 9;
        int batches = (args.length > 2) ? Integer.parseInt(args[2]) : 5;
        Path jfr = (args.length > 3) ? Path.of(args[3]) : null;
        switch (pair) {
            case "stellanow" -> {
                StellaNowSendBenchmark bench = new StellaNowSendBenchmark();
                bench.start();
                try {
                    measure("StellaNowTemplate.send vs raw Paho (msg/s)", StellaNowSendBenchmark.BATCH, rounds, batches,
                            bench::rawSend, bench::starterSend, jfr);
                }
                finally {
                    bench.stop();
                }
            }
            case "stellanow-encoded" -> {
                StellaNowSendBenchmark bench = new StellaNowSendBenchmark();
                bench.start();
                try {
                    measure("StellaNowTemplate.send vs raw Paho encoding each envelope with the codec (msg/s)",
                            StellaNowSendBenchmark.BATCH, rounds, batches, bench::rawEncodedSend, bench::starterSend,
                            jfr);
                }
                finally {
                    bench.stop();
                }
            }
            case "mqtt" -> {
                MqttPublishBenchmark bench = new MqttPublishBenchmark();
                bench.payloadBytes = 256;
                bench.start();
                try {
                    measure("MqttConnection.publish vs raw Paho (msg/s)", MqttPublishBenchmark.BATCH, rounds, batches,
                            bench::rawPublish, bench::starterPublish, jfr);
                }
                finally {
                    bench.stop();
                }
            }
            default -> throw new IllegalArgumentException("unknown pair " + pair + " (stellanow, stellanow-encoded, mqtt)");
        }
        System.exit(0);
    }

    static void measure(String title, int perBatch, int rounds, int batches, Batch raw, Batch starter,
            Path jfr) throws Exception {
        // Warm-up: both sides until the JIT settled a little.
        for (int i = 0; i < 3; i++) {
            time(raw, batches * 2);
            time(starter, batches * 2);
        }
        Recording recording = null;
        if (jfr != null) {
            recording = new Recording(jdk.jfr.Configuration.getConfiguration("profile"));
            recording.setDestination(jfr);
            recording.start();
        }
        double[] rawRates = new double[rounds];
        double[] starterRates = new double[rounds];
        double[] ratios = new double[rounds];
        double[] rawCpu = new double[rounds];
        double[] starterCpu = new double[rounds];
        int messages = perBatch * batches;
        for (int r = 0; r < rounds; r++) {
            long[] rawTurn;
            long[] starterTurn;
            if (r % 2 == 0) {
                rawTurn = turn(raw, batches);
                starterTurn = turn(starter, batches);
            }
            else {
                starterTurn = turn(starter, batches);
                rawTurn = turn(raw, batches);
            }
            rawRates[r] = rate(messages, rawTurn[0]);
            starterRates[r] = rate(messages, starterTurn[0]);
            ratios[r] = starterRates[r] / rawRates[r];
            rawCpu[r] = rawTurn[1] / 1000.0 / messages;
            starterCpu[r] = starterTurn[1] / 1000.0 / messages;
            System.out.printf(Locale.ROOT, "round %2d: raw %10.0f  starter %10.0f  ratio %.2f  cpu/msg raw %.1f us "
                    + "starter %.1f us%n", r + 1, rawRates[r], starterRates[r], ratios[r], rawCpu[r], starterCpu[r]);
        }
        if (recording != null) {
            recording.stop();
            recording.close();
        }
        System.out.printf(Locale.ROOT, "%s, %d rounds x %d x %d messages, alternating: raw median %.0f, "
                + "starter median %.0f, ratio of medians %.2f, median ratio %.2f%n", title, rounds, batches, perBatch,
                median(rawRates), median(starterRates), median(starterRates) / median(rawRates), median(ratios));
        // CPU time of the whole process (broker included) per message: less swayed by other load than wall time.
        System.out.printf(Locale.ROOT, "%s, process CPU per message: raw median %.1f us, starter median %.1f us, "
                + "raw/starter %.2f%n", title, median(rawCpu), median(starterCpu), median(rawCpu) / median(starterCpu));
    }

    /** Runs one turn; returns its wall time and the process CPU time it took, in nanoseconds. */
    private static long[] turn(Batch batch, int times) throws Exception {
        long cpu = processCpuNanos();
        long wall = time(batch, times);
        return new long[] { wall, processCpuNanos() - cpu };
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    }

    private static long time(Batch batch, int times) throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < times; i++) {
            batch.run();
        }
        return System.nanoTime() - start;
    }

    private static double rate(int messages, long nanos) {
        return messages / (nanos / 1e9);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return (n % 2 == 1) ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
