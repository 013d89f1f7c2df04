package dev.iotspring.benchmarks;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import jdk.jfr.Recording;

/**
 * A pair measured by alternation instead of JMH's one-after-the-other: on a shared machine whose load swings by
 * the minute, the raw side and the starter side run in turns ({@code rounds} times, order flipped every round),
 * each turn timing {@code batches} calls, and the report gives both medians and the median of the per-round ratios.
 * Run with {@code -Dbenchmark.main=dev.iotspring.benchmarks.AlternatingPairs -Dbenchmark.args="stellanow 9 5"}
 * (pair, rounds, batches per turn; optional 4th argument: a JFR file recorded during the measured rounds; an argument
 * {@code --broker=mqtt://host:1883} anywhere points both sides of the stellanow pairs at that broker).
 * Pairs: {@code stellanow}, {@code stellanow-encoded}, {@code mqtt}, and {@code streamsea-batch} /
 * {@code streamsea-batch-raw} (stream-sea batch publishing against one message per request, through the starter
 * or raw WebClient; these also report CPU per message of the client and of the emulator).
 */
public final class AlternatingPairs {

    /** Least warm-up time ({@code -Dbenchmark.warm-up-seconds}, default 20). */
    private static final long WARM_UP_SECONDS = Long.getLong("benchmark.warm-up-seconds", 20);

    private AlternatingPairs() {
    }

    /** One side of a pair: a call that does {@code messages} units of work. */
    interface Batch {

        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        BrokerArgument broker = BrokerArgument.parse(args);
        String externalBroker = broker.url();
        args = broker.rest();
        String pair = (args.length > 0) ? args[0] : "stellanow";
        int rounds = (args.length > 1) ? Integer.parseInt(args[1]) : 9;
        int batches = (args.length > 2) ? Integer.parseInt(args[2]) : 5;
        Path jfr = (args.length > 3) ? Path.of(args[3]) : null;
        switch (pair) {
            case "stellanow" -> {
                StellaNowSendBenchmark bench = new StellaNowSendBenchmark();
                bench.externalBrokerUrl = externalBroker;
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
                bench.externalBrokerUrl = externalBroker;
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
            case "streamsea-batch", "streamsea-batch-raw" -> {
                // Both sides in one JVM, each with its own emulator: batch on against batch off (or raw WebClient).
                StreamSeaPublishBenchmark on = new StreamSeaPublishBenchmark();
                on.batch = "on";
                StreamSeaPublishBenchmark off = new StreamSeaPublishBenchmark();
                off.batch = "off";
                on.start();
                off.start();
                long[] batched = new long[2]; // requests, messages of the batching side
                try {
                    boolean raw = pair.endsWith("-raw");
                    measure("stream-sea batch on vs " + (raw ? "raw WebClient, one POST per message" : "batch off")
                            + " (msg/s), in-flight 1", StreamSeaPublishBenchmark.MESSAGES, rounds, batches,
                            () -> {
                                if (raw) {
                                    off.rawPublish();
                                }
                                else {
                                    off.starterPublish();
                                }
                                off.forgetRecordings();
                            }, () -> {
                                on.starterPublish();
                                batched[0] += on.publishRequests();
                                batched[1] += StreamSeaPublishBenchmark.MESSAGES;
                                on.forgetRecordings();
                            }, jfr, "stream-sea-emulator");
                    System.out.printf(Locale.ROOT, "batch on: %.1f messages per request (warm-up included)%n",
                            (double) batched[1] / batched[0]);
                }
                finally {
                    on.stop();
                    off.stop();
                }
            }
            default -> throw new IllegalArgumentException("unknown pair " + pair + " (stellanow, stellanow-encoded, mqtt, streamsea-batch, streamsea-batch-raw)");
        }
        System.exit(0);
    }

    static void measure(String title, int perBatch, int rounds, int batches, Batch raw, Batch starter,
            Path jfr) throws Exception {
        measure(title, perBatch, rounds, batches, raw, starter, jfr, null);
    }

    /**
     * @param serverThreads when set, the name prefix of the in-process server's threads: each side's CPU time is
     *     then split into the server's and everyone else's (the client: caller, dispatcher, HTTP event loop), in
     *     microseconds per message, which a loaded machine does not distort as it does the rates
     */
    static void measure(String title, int perBatch, int rounds, int batches, Batch raw, Batch starter,
            Path jfr, String serverThreads) throws Exception {
        ThreadCpu rawCpu = new ThreadCpu(serverThreads);
        ThreadCpu starterCpu = new ThreadCpu(serverThreads);
        // Warm-up: both sides, at least 3 times and WARM_UP_SECONDS: with fewer (the JIT compiles the broker's code
        // for a long while) the compiler threads took a third of the process's CPU during the measured rounds.
        long warmUpEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(WARM_UP_SECONDS);
        for (int i = 0; i < 3 || System.nanoTime() - warmUpEnd < 0; i++) {
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
        double[] rawProcessCpu = new double[rounds];
        double[] starterProcessCpu = new double[rounds];
        int messages = perBatch * batches;
        for (int r = 0; r < rounds; r++) {
            long[] rawTurn;
            long[] starterTurn;
            if (r % 2 == 0) {
                rawTurn = turn(raw, batches, rawCpu);
                starterTurn = turn(starter, batches, starterCpu);
            }
            else {
                starterTurn = turn(starter, batches, starterCpu);
                rawTurn = turn(raw, batches, rawCpu);
            }
            rawRates[r] = rate(messages, rawTurn[0]);
            starterRates[r] = rate(messages, starterTurn[0]);
            ratios[r] = starterRates[r] / rawRates[r];
            rawProcessCpu[r] = rawTurn[1] / 1000.0 / messages;
            starterProcessCpu[r] = starterTurn[1] / 1000.0 / messages;
            System.out.printf(Locale.ROOT, "round %2d: raw %10.0f  starter %10.0f  ratio %.2f  cpu/msg raw %.1f us "
                    + "starter %.1f us%n", r + 1, rawRates[r], starterRates[r], ratios[r], rawProcessCpu[r],
                    starterProcessCpu[r]);
        }
        if (recording != null) {
            recording.stop();
            recording.close();
        }
        System.out.printf(Locale.ROOT, "%s, %d rounds x %d x %d messages, alternating: raw median %.0f, "
                + "starter median %.0f, ratio of medians %.2f, median ratio %.2f%n", title, rounds, batches, perBatch,
                median(rawRates), median(starterRates), median(starterRates) / median(rawRates), median(ratios));
        long all = (long) messages * rounds;
        ThreadCpu.print(rawCpu, starterCpu, all);
        if (serverThreads != null) {
            System.out.printf(Locale.ROOT, "CPU per message (us), client / server: raw %.1f / %.1f, starter %.1f / %.1f%n",
                    rawCpu.client / 1e3 / all, rawCpu.server / 1e3 / all,
                    starterCpu.client / 1e3 / all, starterCpu.server / 1e3 / all);
        }
        // CPU time of the whole process (broker included) per message: less swayed by other load than wall time.
        System.out.printf(Locale.ROOT, "%s, process CPU per message: raw median %.1f us, starter median %.1f us, "
                + "raw/starter %.2f%n", title, median(rawProcessCpu), median(starterProcessCpu),
                median(rawProcessCpu) / median(starterProcessCpu));
    }

    /**
     * Runs one turn; returns its wall time and the process CPU time it took, in nanoseconds. The per-thread
     * snapshots are taken outside both, so reading them is not counted.
     */
    private static long[] turn(Batch batch, int times, ThreadCpu cpu) throws Exception {
        cpu.begin();
        long before = processCpuNanos();
        long wall = time(batch, times);
        long used = processCpuNanos() - before;
        cpu.end();
        return new long[] { wall, used };
    }

    private static long processCpuNanos() {
        return ThreadCpu.processCpuNanos();
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

    static double median(List<Double> values) {
        return median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return (n % 2 == 1) ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
