package dev.iotspring.benchmarks;

import static dev.iotspring.benchmarks.AlternatingPairs.median;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;
import org.springframework.util.unit.DataSize;

/**
 * The durable goals of issue 11 as alternating rounds instead of JMH's one-benchmark-after-the-other: on a
 * shared machine the disk's fsync time changes by ten times within a minute, so a ratio is only meaningful
 * between figures taken seconds apart. Each round runs every variant for {@code seconds} (the order rotating
 * from round to round) and the report gives each variant's median and the median of the per-round ratios.
 *
 * <ul>
 * <li>{@code group-commit} ({@code synchronous=FULL}): a raw one-row commit with one producer (plain
 * sqlite-jdbc), {@code JdbcOutboundQueue.offer} with 1 and 8 producer threads, {@code StellaNowTemplate.send}
 * on a durable queue with 1 and 8 producer threads (until PUBACK, to the embedded broker).</li>
 * <li>{@code end-to-end} ({@code synchronous=NORMAL}): raw Paho ({@code MemoryPersistence}) against
 * {@code StellaNowTemplate.send} on a durable queue, one producer, window 100, the same envelope bytes; and a
 * raw one-row commit (plain sqlite-jdbc, NORMAL), the floor of a send that commits before it returns; and the
 * template with 8 producer threads.</li>
 * <li>{@code spotflow}: {@code SpotflowBenchmark}'s delivery pair (500 messages, one publish in flight, raw Paho
 * vs {@code enqueueMessage} + {@code waitEnqueuedMessagesSent}) with {@code synchronous=FULL} and
 * {@code NORMAL}, each against its own emulator; and a raw one-row commit (plain sqlite-jdbc) in each mode, the
 * floor of one producer whose every enqueue commits.</li>
 * </ul>
 *
 * <pre>
 * ./mvnw -o -q -pl iot-spring-boot-benchmarks -am -DskipTests -Pbenchmark verify \
 *     -Dbenchmark.main=dev.iotspring.benchmarks.DurableRounds -Dbenchmark.args="group-commit 5 2"
 * </pre>
 * Arguments: the suite, rounds (default 5), seconds per variant and round (default 2), and optionally a file to
 * write a JDK Flight Recording of the measured rounds to (profile settings). {@code --broker=mqtt://host:1883}
 * anywhere points the template and raw Paho variants of {@code group-commit} and {@code end-to-end} at that broker
 * (a Mosquitto, say) instead of an embedded one each. The system property {@code rounds.variants} (a regular
 * expression) keeps only the variants whose names match, to profile one alone; {@code rounds.warmup} is the
 * warm-up of each variant in seconds before the measured rounds (default 6, 30 for {@code spotflow}).
 */
public final class DurableRounds {

    /** Sends a producer keeps unacknowledged before it waits for their PUBACKs. */
    static final int SENDS_PER_WAIT = 50;

    private DurableRounds() {
    }

    interface Call {

        /** Does some work; returns how many messages it completed. */
        int run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        BrokerArgument broker = BrokerArgument.parse(args);
        String externalBroker = broker.url();
        args = broker.rest();
        String suite = (args.length > 0) ? args[0] : "group-commit";
        int rounds = (args.length > 1) ? Integer.parseInt(args[1]) : 5;
        double seconds = (args.length > 2) ? Double.parseDouble(args[2]) : 2;
        Map<String, Variant> variants = new LinkedHashMap<>();
        List<AutoCloseable> resources = new ArrayList<>();
        List<String[]> ratios = new ArrayList<>();
        if (suite.equals("group-commit")) {
            SqliteOutboxBenchmark outbox = new SqliteOutboxBenchmark();
            outbox.synchronous = "FULL";
            outbox.open();
            resources.add(outbox::close);
            DurableSendBenchmark send = new DurableSendBenchmark();
            send.externalBrokerUrl = externalBroker;
            send.synchronous = "FULL";
            send.start();
            resources.add(send::stop);
            variants.put("raw commit t1", new Variant(1, () -> {
                outbox.rawSingle_t1();
                return 1;
            }));
            variants.put("raw commit t8", new Variant(8, () -> {
                outbox.rawSingle_t8();
                return 1;
            }));
            // One thread, raw commit and queue offer in turns: both see the same disk at the same moment.
            variants.put("alternating: raw", new Variant(1, () -> alternate(outbox, true)));
            variants.put("alternating: queue", new Variant(1, () -> alternate(outbox, false)));
            variants.put("queue offer t1", new Variant(1, () -> {
                outbox.starterSingle_t1();
                return 1;
            }, outbox.queue()::offerTransactions));
            variants.put("queue offer t8", new Variant(8, () -> {
                outbox.starterSingle_t8();
                return 1;
            }, outbox.queue()::offerTransactions));
            variants.put("template send t1", new Variant(1, () -> sendAndWait(send)));
            variants.put("template send t8", new Variant(8, () -> sendAndWait(send)));
            ratios.add(new String[] { "queue offer t8", "queue offer t1" });
            ratios.add(new String[] { "queue offer t8", "raw commit t8" });
            ratios.add(new String[] { "queue offer t1", "raw commit t1" });
            ratios.add(new String[] { "alternating: queue", "alternating: raw" });
            ratios.add(new String[] { "template send t8", "template send t1" });
            ratios.add(new String[] { "template send t1", "raw commit t1" });
        }
        else if (suite.equals("end-to-end")) {
            DurableSendBenchmark send = new DurableSendBenchmark();
            send.externalBrokerUrl = externalBroker;
            send.synchronous = "NORMAL";
            send.start();
            resources.add(send::stop);
            variants.put("raw Paho", new Variant(1, () -> {
                send.rawPublish();
                return DurableSendBenchmark.BATCH;
            }));
            variants.put("template send", new Variant(1, () -> {
                send.starterPublish();
                return DurableSendBenchmark.BATCH;
            }));
            // SQLite's own checkpoint size: what the default of iot.storage.wal-checkpoint-size changed.
            DurableSendBenchmark smallLog = new DurableSendBenchmark();
            smallLog.externalBrokerUrl = externalBroker;
            smallLog.synchronous = "NORMAL";
            smallLog.walCheckpointSize = DataSize.ofMegabytes(4);
            smallLog.start();
            resources.add(smallLog::stop);
            variants.put("template send, 4 MB log", new Variant(1, () -> {
                smallLog.starterPublish();
                return DurableSendBenchmark.BATCH;
            }));
            ratios.add(new String[] { "template send, 4 MB log", "raw Paho" });
            ratios.add(new String[] { "template send", "template send, 4 MB log" });
            // What one producer cannot go below when each send commits before it returns.
            SqliteOutboxBenchmark outbox = new SqliteOutboxBenchmark();
            outbox.synchronous = "NORMAL";
            outbox.open();
            resources.add(outbox::close);
            variants.put("raw commit t1", new Variant(1, () -> {
                outbox.rawSingle_t1();
                return 1;
            }));
            // Several producers: group commit lifts that floor.
            variants.put("template send t8", new Variant(8, () -> sendAndWait(send)));
            ratios.add(new String[] { "template send", "raw Paho" });
            ratios.add(new String[] { "raw commit t1", "raw Paho" });
            ratios.add(new String[] { "template send t8", "raw Paho" });
        }
        else if (suite.equals("spotflow")) {
            SpotflowBenchmark bench = new SpotflowBenchmark();
            for (String mode : List.of("FULL", "NORMAL")) {
                SpotflowBenchmark.Delivery delivery = new SpotflowBenchmark.Delivery();
                delivery.synchronous = mode;
                delivery.start();
                resources.add(delivery::stop);
                variants.put("raw Paho " + mode, new Variant(1, () -> {
                    bench.rawDeliver(delivery);
                    return SpotflowBenchmark.BATCH;
                }));
                variants.put("Spotflow " + mode, new Variant(1, () -> {
                    bench.starterDeliver(delivery);
                    return SpotflowBenchmark.BATCH;
                }));
                ratios.add(new String[] { "Spotflow " + mode, "raw Paho " + mode });
                // The same without the enqueue: what the sending path alone delivers.
                AtomicLong enqueueNanos = new AtomicLong();
                variants.put("Spotflow backlog " + mode, new Variant(1, () -> {
                    enqueueNanos.addAndGet(bench.starterDeliverBacklog(delivery));
                    return SpotflowBenchmark.BATCH;
                }, null, enqueueNanos));
                ratios.add(new String[] { "Spotflow backlog " + mode, "raw Paho " + mode });
                // Each enqueueMessage commits its row before it returns: one producer cannot go below this.
                SqliteOutboxBenchmark outbox = new SqliteOutboxBenchmark();
                outbox.synchronous = mode;
                outbox.open();
                resources.add(outbox::close);
                variants.put("raw commit " + mode, new Variant(1, () -> {
                    outbox.rawSingle_t1();
                    return 1;
                }));
                ratios.add(new String[] { "raw commit " + mode, "raw Paho " + mode });
            }
        }
        else {
            throw new IllegalArgumentException("suite must be group-commit, end-to-end or spotflow but was " + suite);
        }
        // -Drounds.variants=<regex>: only the variants whose names match (to profile one of them alone).
        String only = System.getProperty("rounds.variants");
        if (only != null) {
            // The alternating pair is measured as one: its queue side stays with its raw side.
            variants.keySet()
                .removeIf((name) -> !name.replace("alternating: queue", "alternating: raw").matches(only));
            ratios.removeIf((pair) -> !variants.containsKey(pair[0]) || !variants.containsKey(pair[1]));
        }
        jdk.jfr.Recording recording = null;
        if (args.length > 3) {
            recording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
            recording.setDestination(java.nio.file.Path.of(args[3]));
            recording.start();
        }
        try {
            // The spotflow suite runs an embedded broker and the emulator's hub in this JVM: the JIT takes far longer
            // with that much code (the compiler threads had a third of the CPU after 6 s, and even raw Paho's rate
            // still rose round by round).
            double warmup = Double.parseDouble(System.getProperty("rounds.warmup",
                    suite.equals("spotflow") ? "30" : "6"));
            run(variants, ratios, rounds, seconds, warmup);
        }
        finally {
            if (recording != null) {
                recording.stop();
                recording.close();
            }
            for (int i = resources.size() - 1; i >= 0; i--) {
                resources.get(i).close();
            }
        }
        System.exit(0);
    }

    /** Time spent in raw commits [0] and in queue offers [1] by the alternating variant. */
    private static final AtomicLong[] alternatingNanos = { new AtomicLong(), new AtomicLong() };

    private static final AtomicLong alternatingPairs = new AtomicLong();

    /**
     * A raw commit then a queue offer, timing each: the rate of each side is the pairs over its own time. Only the
     * raw-side variant runs; the queue side is filled in from the same measurement.
     */
    private static int alternate(SqliteOutboxBenchmark outbox, boolean rawSide) throws Exception {
        if (!rawSide) {
            throw new IllegalStateException("measured with the raw side");
        }
        long t0 = System.nanoTime();
        outbox.rawSingle_t1();
        long t1 = System.nanoTime();
        outbox.starterSingle_t1();
        long t2 = System.nanoTime();
        alternatingNanos[0].addAndGet(t1 - t0);
        alternatingNanos[1].addAndGet(t2 - t1);
        alternatingPairs.incrementAndGet();
        return 1;
    }

    private static int sendAndWait(DurableSendBenchmark send) {
        CompletableFuture<?>[] futures = new CompletableFuture<?>[SENDS_PER_WAIT];
        for (int i = 0; i < SENDS_PER_WAIT; i++) {
            futures[i] = send.template().send(DurableSendBenchmark.event());
        }
        CompletableFuture.allOf(futures).join();
        return SENDS_PER_WAIT;
    }

    private static void run(Map<String, Variant> variants, List<String[]> ratios, int rounds, double seconds,
            double warmup) throws Exception {
        List<String> names = new ArrayList<>(variants.keySet());
        Map<String, double[]> rates = new LinkedHashMap<>();
        names.forEach(n -> rates.put(n, new double[rounds]));
        Map<String, double[]> cpu = new LinkedHashMap<>();
        names.forEach(n -> cpu.put(n, new double[rounds]));
        Map<String, double[]> switches = new LinkedHashMap<>();
        names.forEach(n -> switches.put(n, new double[rounds]));
        Map<String, double[]> callerCpu = new LinkedHashMap<>();
        names.forEach(n -> callerCpu.put(n, new double[rounds]));
        // Warm-up: the template's path needs about 6 s of sending before the JIT is done with it (its first rounds
        // ran at half the rate of its later ones with one short pass).
        for (String name : names) {
            if (!name.equals("alternating: queue")) {
                variants.get(name).measure(warmup);
            }
        }
        for (int r = 0; r < rounds; r++) {
            StringBuilder line = new StringBuilder("round " + (r + 1) + ":");
            for (int i = 0; i < names.size(); i++) {
                String name = names.get((i + r) % names.size());
                if (name.equals("alternating: queue")) {
                    continue; // measured together with "alternating: raw"
                }
                double rate;
                if (name.equals("alternating: raw")) {
                    alternatingNanos[0].set(0);
                    alternatingNanos[1].set(0);
                    alternatingPairs.set(0);
                    variants.get(name).measure(seconds);
                    double pairs = alternatingPairs.get();
                    rate = pairs / (alternatingNanos[0].get() / 1e9);
                    double queueRate = pairs / (alternatingNanos[1].get() / 1e9);
                    rates.get("alternating: queue")[r] = queueRate;
                    line.append(String.format(Locale.ROOT, "  %s %,.0f", "alternating: queue", queueRate));
                }
                else {
                    Variant variant = variants.get(name);
                    rate = variant.measure(seconds);
                    cpu.get(name)[r] = variant.lastCpuMicrosPerMessage;
                    switches.get(name)[r] = variant.lastSwitchesPerMessage;
                    callerCpu.get(name)[r] = variant.lastCallerCpuMicrosPerMessage;
                }
                rates.get(name)[r] = rate;
                line.append(String.format(Locale.ROOT, "  %s %,.0f", name, rate));
            }
            System.out.println(line);
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-36s %14s %20s %20s %24s%n", "variant", "median msg/s",
                "process CPU us/msg", "caller CPU us/msg", "context switches/msg");
        rates.forEach((name, values) -> System.out.printf(Locale.ROOT, "%-36s %,14.0f %20.1f %20.1f %24.1f%n", name,
                median(values), median(cpu.get(name)), median(callerCpu.get(name)), median(switches.get(name))));
        System.out.println();
        for (String[] ratio : ratios) {
            double[] perRound = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                perRound[r] = rates.get(ratio[0])[r] / rates.get(ratio[1])[r];
            }
            System.out.printf(Locale.ROOT, "%-40s median of rounds %.2f  (rounds %s)%n",
                    ratio[0] + " / " + ratio[1], median(perRound), format(perRound));
        }
    }

    /** Voluntary and involuntary context switches of every thread of this process so far; 0 off Linux. */
    static long contextSwitches() {
        long total = 0;
        java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
        if (tasks == null) {
            return 0;
        }
        for (java.io.File task : tasks) {
            try {
                for (String line : java.nio.file.Files.readAllLines(task.toPath().resolve("status"))) {
                    if (line.contains("ctxt_switches:")) {
                        total += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                    }
                }
            }
            catch (java.io.IOException | RuntimeException ex) {
                // the thread ended meanwhile
            }
        }
        return total;
    }

    private static String format(double[] values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f", v));
        }
        return sb.toString();
    }

    /**
     * A call run by {@code threads} threads in a loop until the time is up.
     * @param transactions counts the queue's committed transactions (null when not a queue variant)
     */
    static final class Variant {

        private static final java.lang.management.ThreadMXBean threadCpu =
                java.lang.management.ManagementFactory.getThreadMXBean();

        private static final com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean();

        private final int threads;

        private final Call call;

        private final @Nullable LongSupplier transactions;

        /** Time the calls spent on work that is not measured (one thread), left out of the rate. */
        private final @Nullable AtomicLong untimedNanos;

        /**
         * CPU time of the whole process (every thread: broker, clients, SQLite) over the messages of the last
         * {@link #measure}: steadier than a rate when other processes share the cores.
         */
        double lastCpuMicrosPerMessage;

        /** Context switches of all the process's threads per message in the last {@link #measure} (Linux). */
        double lastSwitchesPerMessage;

        /**
         * CPU time of the calling threads alone per message in the last {@link #measure}: for the queue variants
         * the whole group commit (the leader writes on a caller's thread), free of the other variants' idle threads.
         */
        double lastCallerCpuMicrosPerMessage;

        Variant(int threads, Call call, @Nullable LongSupplier transactions, @Nullable AtomicLong untimedNanos) {
            if (untimedNanos != null && threads != 1) {
                throw new IllegalArgumentException("untimed work can only be left out with one thread");
            }
            this.threads = threads;
            this.call = call;
            this.transactions = transactions;
            this.untimedNanos = untimedNanos;
        }

        Variant(int threads, Call call, @Nullable LongSupplier transactions) {
            this(threads, call, transactions, null);
        }

        Variant(int threads, Call call) {
            this(threads, call, null, null);
        }

        double measure(double seconds) throws Exception {
            AtomicLong done = new AtomicLong();
            AtomicLong callerCpu = new AtomicLong();
            CountDownLatch ready = new CountDownLatch(this.threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            long[] window = new long[2];
            List<Throwable> failures = new ArrayList<>();
            for (int t = 0; t < this.threads; t++) {
                Thread worker = new Thread(() -> {
                    ready.countDown();
                    try {
                        go.await();
                        long deadline = window[1];
                        long cpu0 = threadCpu.getCurrentThreadCpuTime();
                        while (System.nanoTime() < deadline) {
                            done.addAndGet(this.call.run());
                        }
                        callerCpu.addAndGet(threadCpu.getCurrentThreadCpuTime() - cpu0);
                    }
                    catch (Throwable ex) {
                        synchronized (failures) {
                            failures.add(ex);
                        }
                    }
                }, "producer-" + t);
                workers.add(worker);
                worker.start();
            }
            ready.await();
            long cpuBefore = os.getProcessCpuTime();
            long switchesBefore = contextSwitches();
            long transactionsBefore = (this.transactions != null) ? this.transactions.getAsLong() : 0;
            long untimedBefore = (this.untimedNanos != null) ? this.untimedNanos.get() : 0;
            window[0] = System.nanoTime();
            window[1] = window[0] + (long) (seconds * 1e9);
            go.countDown();
            for (Thread worker : workers) {
                worker.join();
            }
            if (!failures.isEmpty()) {
                throw new IllegalStateException("a producer failed", failures.get(0));
            }
            // Calls finishing after the deadline count with the time they took.
            long untimed = (this.untimedNanos != null) ? this.untimedNanos.get() - untimedBefore : 0;
            double elapsed = (System.nanoTime() - window[0] - untimed) / 1e9;
            this.lastCpuMicrosPerMessage = (os.getProcessCpuTime() - cpuBefore) / 1e3 / Math.max(1, done.get());
            this.lastSwitchesPerMessage = (contextSwitches() - switchesBefore) / (double) Math.max(1, done.get());
            this.lastCallerCpuMicrosPerMessage = callerCpu.get() / 1e3 / Math.max(1, done.get());
            if (this.transactions != null) {
                long commits = this.transactions.getAsLong() - transactionsBefore;
                System.out.printf(Locale.ROOT, "    [%d thread(s): %.1f messages and %.2f ms per transaction]%n",
                        this.threads, done.get() / (double) Math.max(1, commits), elapsed * 1000 / Math.max(1, commits));
            }
            return done.get() / elapsed;
        }
    }
}
