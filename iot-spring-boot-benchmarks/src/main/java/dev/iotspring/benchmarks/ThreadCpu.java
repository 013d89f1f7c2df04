package dev.iotspring.benchmarks;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time of the JVM's threads over the turns of one side of a pair, by thread (digits in names folded, so a
 * pool counts as one), with its system (kernel) share, and the context switches of the whole process (from
 * {@code /proc/self/task}, Linux only; 0 elsewhere). Unlike a sampling profiler it also counts time in native code
 * and the kernel (socket writes, futex wake-ups), which is where a thread hand-off costs.
 */
final class ThreadCpu {

    private final String serverPrefix;

    private final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
        .getThreadMXBean();

    private Map<Long, long[]> before = Map.of();

    private long switchesBefore;

    /** Per thread group: total CPU, system CPU (nanoseconds). */
    final Map<String, long[]> byThread = new TreeMap<>();

    long client;

    long server;

    long contextSwitches;

    /** CPU time of the whole process (JVM threads too: garbage collection, JIT), and collections, over the turns. */
    long processCpu;

    long collections;

    long collectionMillis;

    private long processBefore;

    private long collectionsBefore;

    private long collectionMillisBefore;

    /** @param serverPrefix name prefix of an in-process server's threads (split out as server time), or null */
    ThreadCpu(String serverPrefix) {
        this.serverPrefix = serverPrefix;
    }

    void begin() {
        this.switchesBefore = contextSwitches();
        this.collectionsBefore = collections(false);
        this.collectionMillisBefore = collections(true);
        this.before = snapshot();
        this.processBefore = processCpuNanos();
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    }

    private static long collections(boolean millis) {
        long sum = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            sum += Math.max(0, millis ? gc.getCollectionTime() : gc.getCollectionCount());
        }
        return sum;
    }

    void end() {
        this.processCpu += processCpuNanos() - this.processBefore;
        this.collections += collections(false) - this.collectionsBefore;
        this.collectionMillis += collections(true) - this.collectionMillisBefore;
        for (ThreadInfo info : this.threads.getThreadInfo(this.threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long total = this.threads.getThreadCpuTime(info.getThreadId());
            long user = this.threads.getThreadUserTime(info.getThreadId());
            if (total < 0 || user < 0) {
                continue;
            }
            long[] was = this.before.getOrDefault(info.getThreadId(), new long[2]);
            long used = total - was[0];
            long system = (total - user) - was[1];
            long[] sums = this.byThread.computeIfAbsent(info.getThreadName().replaceAll("\\d+", "N"),
                    (name) -> new long[2]);
            sums[0] += used;
            sums[1] += system;
            if (this.serverPrefix != null && info.getThreadName().startsWith(this.serverPrefix)) {
                this.server += used;
            }
            else {
                this.client += used;
            }
        }
        this.contextSwitches += contextSwitches() - this.switchesBefore;
    }

    private Map<Long, long[]> snapshot() {
        Map<Long, long[]> cpu = new HashMap<>();
        for (long id : this.threads.getAllThreadIds()) {
            long total = this.threads.getThreadCpuTime(id);
            cpu.put(id, new long[] { total, total - this.threads.getThreadUserTime(id) });
        }
        return cpu;
    }

    /** Voluntary and involuntary context switches of every thread of this process so far. */
    private static long contextSwitches() {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return 0;
        }
        long sum = 0;
        try (Stream<Path> list = Files.list(tasks)) {
            for (Path task : (Iterable<Path>) list::iterator) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches") || line.startsWith("nonvoluntary_ctxt_switches")) {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                }
                catch (IOException | RuntimeException ex) {
                    // the thread ended meanwhile
                }
            }
        }
        catch (IOException ex) {
            return 0;
        }
        return sum;
    }

    /** Prints both sides' CPU per message by thread (those above 0.5 us on either side) and context switches. */
    static void print(ThreadCpu raw, ThreadCpu starter, long messagesPerSide) {
        TreeMap<String, long[]> names = new TreeMap<>(raw.byThread);
        starter.byThread.forEach(names::putIfAbsent);
        System.out.println("CPU per message by thread (us, total / of it system): raw | starter");
        double[] sums = new double[4];
        for (String name : names.keySet()) {
            long[] r = raw.byThread.getOrDefault(name, new long[2]);
            long[] s = starter.byThread.getOrDefault(name, new long[2]);
            double[] us = { r[0] / 1e3 / messagesPerSide, r[1] / 1e3 / messagesPerSide, s[0] / 1e3 / messagesPerSide,
                    s[1] / 1e3 / messagesPerSide };
            for (int i = 0; i < 4; i++) {
                sums[i] += us[i];
            }
            if (us[0] >= 0.5 || us[2] >= 0.5) {
                System.out.printf(Locale.ROOT, "  %-40s %6.1f / %5.1f | %6.1f / %5.1f%n", name, us[0], us[1], us[2],
                        us[3]);
            }
        }
        System.out.printf(Locale.ROOT, "  %-40s %6.1f / %5.1f | %6.1f / %5.1f%n", "all threads", sums[0], sums[1],
                sums[2], sums[3]);
        System.out.printf(Locale.ROOT, "  %-40s %6.1f         | %6.1f%n", "JVM's own threads (GC, JIT; process - all)",
                raw.processCpu / 1e3 / messagesPerSide - sums[0], starter.processCpu / 1e3 / messagesPerSide - sums[2]);
        System.out.printf(Locale.ROOT, "collections per 1,000 messages: raw %.2f (%.1f ms), starter %.2f (%.1f ms)%n",
                1000.0 * raw.collections / messagesPerSide, 1000.0 * raw.collectionMillis / messagesPerSide,
                1000.0 * starter.collections / messagesPerSide, 1000.0 * starter.collectionMillis / messagesPerSide);
        System.out.printf(Locale.ROOT, "context switches per message (process): raw %.2f, starter %.2f%n",
                (double) raw.contextSwitches / messagesPerSide, (double) starter.contextSwitches / messagesPerSide);
    }
}
