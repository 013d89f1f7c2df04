package dev.iotspring.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time of every thread of a process (JVM threads too: JIT compilers, GC, which {@code ThreadMXBean} does not
 * see), from {@code /proc/<pid>/task/<tid>/schedstat} (nanoseconds on the CPU) and {@code comm} (the native thread
 * name, 15 characters). Linux only.
 *
 * <p>The child reads its own threads once, at ready ({@link #snapshot}). A thread that ended before that is gone
 * from {@code /proc}, so the parent polls the child every {@link #POLL_MILLIS} ms from its own process (the child
 * pays nothing for it) and keeps the last value seen of each thread; {@link #merge} adds the threads that ended.
 * What is still missing (CPU of a thread after the last poll before it ended, or of one shorter than a poll) is the
 * {@code (ended, unseen)} group: the process CPU minus the threads' sum.
 */
final class StartupThreads {

    static final long POLL_MILLIS = 40;

    private final Path tasks;

    /** tid -> {name, CPU ns}, the last values seen. */
    private final Map<String, Object[]> seen = new HashMap<>();

    private final Thread poller;

    private volatile boolean running = true;

    /** CPU time of the polling thread itself (it shares the cores with the child), set when it ends. */
    private volatile long pollerCpuNanos = -1;

    private StartupThreads(long pid) {
        this.tasks = Path.of("/proc", String.valueOf(pid), "task");
        this.poller = new Thread(this::poll, "startup-poller-" + pid);
        this.poller.setDaemon(true);
    }

    /**
     * Polls the threads of process {@code pid} until {@link #stop}; null where there is no {@code /proc}, or with
     * {@code -Dstartup.threads=false} (the poller takes a little CPU from the same cores as the child).
     */
    static StartupThreads poll(long pid) {
        if (!Files.isDirectory(Path.of("/proc/self/task"))
                || !Boolean.parseBoolean(System.getProperty("startup.threads", "true"))) {
            return null;
        }
        StartupThreads threads = new StartupThreads(pid);
        threads.poller.start();
        return threads;
    }

    private void poll() {
        while (this.running) {
            Map<String, Object[]> now = snapshot(this.tasks, this.seen);
            synchronized (this) {
                this.seen.putAll(now);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            }
            catch (InterruptedException ex) {
                break;
            }
        }
        this.pollerCpuNanos = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** The poller's own CPU (ms) once it ended, after {@link #stop}. */
    double pollerCpuMillis() throws InterruptedException {
        this.poller.join(1000);
        return Math.max(0, this.pollerCpuNanos) / 1e6;
    }

    void stop() {
        this.running = false;
    }

    /** tid -> {native name, CPU ns} of every thread of the process whose task directory is {@code tasks}. */
    static Map<String, Object[]> snapshot(Path tasks) {
        return snapshot(tasks, Map.of());
    }

    /**
     * The same, reading the name only of threads not in {@code known} (or still named {@code java}, as a thread is
     * before the JVM names it): half the reads, as the poller runs on the child's cores.
     */
    private static Map<String, Object[]> snapshot(Path tasks, Map<String, Object[]> known) {
        Map<String, Object[]> threads = new HashMap<>();
        try (Stream<Path> list = Files.list(tasks)) {
            for (Path task : (Iterable<Path>) list::iterator) {
                try {
                    String schedstat = Files.readString(task.resolve("schedstat"));
                    long cpu = Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
                    String tid = task.getFileName().toString();
                    // Only the poller itself writes what it passes as known.
                    Object[] was = known.get(tid);
                    String name = (was != null && !"java".equals(was[0])) ? (String) was[0]
                            : Files.readString(task.resolve("comm")).trim();
                    threads.put(tid, new Object[] { name, cpu });
                }
                catch (IOException | RuntimeException ex) {
                    // the thread ended meanwhile
                }
            }
        }
        catch (IOException ex) {
            // no such process any more
        }
        return threads;
    }

    /** Linux thread id of the calling thread. */
    static String currentTid() {
        try {
            return Path.of("/proc/thread-self").toRealPath().getFileName().toString();
        }
        catch (IOException ex) {
            return "?";
        }
    }

    /**
     * CPU ms per thread group: the child's threads at ready ({@code atReady}, lines {@code tid cpu-ns name}) plus
     * those this poller saw that had ended by then, and {@code (ended, unseen)} against {@code processCpuMillis}.
     */
    synchronized Map<String, Double> merge(Iterable<String> atReady, double processCpuMillis) {
        Map<String, Object[]> all = new HashMap<>(this.seen);
        for (String line : atReady) {
            String[] f = line.split(" ", 3);
            all.put(f[0], new Object[] { f[2], Long.parseLong(f[1]) });
        }
        Map<String, Double> groups = new TreeMap<>();
        double sum = 0;
        for (Object[] thread : all.values()) {
            double ms = (long) thread[1] / 1e6;
            sum += ms;
            groups.merge(group((String) thread[0]), ms, Double::sum);
        }
        Map<String, Double> result = new LinkedHashMap<>(groups);
        result.put("(ended, unseen)", Math.max(0, processCpuMillis - sum));
        return result;
    }

    /** A pool is one group: digits and {@code #} folded away. */
    static String group(String name) {
        if (name.startsWith("C1 CompilerThre")) {
            return "C1 CompilerThread";
        }
        if (name.startsWith("C2 CompilerThre")) {
            return "C2 CompilerThread";
        }
        if (name.startsWith("astarte-")) {
            // Astarte's device thread is named after the device id, a new one per start.
            return "astarte-<device id>";
        }
        return name.replaceAll("[#\\d]+", "N").replaceAll("[-N]+$", "").trim();
    }
}
