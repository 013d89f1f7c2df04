package dev.iotspring.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.QueuedMessage;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.core.store.JdbcOutboundQueue;

/**
 * Heap held by a durable queue whatever its length on disk (issue 11, goal 4): queues {@value #QUEUED} messages
 * of {@value #PAYLOAD} bytes (the broker is "down": nothing is sent), then works through some of them as a
 * dispatcher does (poll a window of 100, acknowledge), then reopens the file as after a restart. Prints the heap
 * used after a full GC at each step.
 *
 * <p>Runs itself again in a child JVM with {@code -Xmx64m}: a queue that loaded its rows (about 300 MB of
 * payload) would fail there with an OutOfMemoryError instead of finishing.
 *
 * <pre>
 * ./mvnw -o -q -pl iot-spring-boot-benchmarks -am -DskipTests -Pbenchmark verify \
 *     -Dbenchmark.main=dev.iotspring.benchmarks.DurableQueueMemory -Dbenchmark.args=
 * </pre>
 */
public final class DurableQueueMemory {

    static final int QUEUED = 1_000_000;

    static final int PAYLOAD = 300;

    static final String HEAP = "-Xmx64m";

    private DurableQueueMemory() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !args[0].equals("--child")) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    HEAP, "-cp", System.getProperty("java.class.path"), DurableQueueMemory.class.getName(), "--child")
                .inheritIO()
                .start();
            int status = child.waitFor();
            System.out.println("child JVM (" + HEAP + ") exit status " + status);
            System.exit(status);
        }
        Path directory = Files.createTempDirectory("iot-durable-memory");
        try {
            measure(directory);
        }
        finally {
            SqliteOutboxBenchmark.deleteDirectory(directory);
        }
    }

    private static void measure(Path directory) throws IOException {
        report("empty JVM", -1);
        byte[] payload = new byte[PAYLOAD];
        long start = System.nanoTime();
        try (IotStores stores = new IotStores(directory, SynchronousMode.NORMAL, Duration.ofSeconds(5))) {
            JdbcOutboundQueue queue = stores.open("memory").outboundQueue("events");
            report("queue open, empty", queue.size());
            int chunk = 10_000;
            for (int n = 0; n < QUEUED; n += chunk) {
                List<OutboundMessage> messages = new ArrayList<>(chunk);
                for (int i = 0; i < chunk; i++) {
                    messages.add(OutboundMessage.of("m-" + (n + i), "in/benchmark", payload));
                }
                queue.offerAll(messages);
                if ((n + chunk) % 250_000 == 0) {
                    report("queued", queue.size());
                }
            }
            System.out.printf(Locale.ROOT, "filled in %.1f s, file %d MB%n", (System.nanoTime() - start) / 1e9,
                    Files.size(stores.file("memory")) >> 20);
            // A dispatcher with a window of 100: 100 in flight, the rest queued on disk.
            int sent = 0;
            while (sent < 50_000) {
                List<QueuedMessage> window = queue.poll(100);
                queue.ack(window);
                sent += window.size();
            }
            queue.poll(100);
            report("50,000 sent, 100 in flight", queue.size());
        }
        try (IotStores stores = new IotStores(directory, SynchronousMode.NORMAL, Duration.ofSeconds(5))) {
            JdbcOutboundQueue queue = stores.open("memory").outboundQueue("events");
            report("reopened (restart)", queue.size());
            queue.poll(100);
            report("reopened, 100 in flight", queue.size());
        }
    }

    private static void report(String step, int queued) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        System.out.printf(Locale.ROOT, "%-32s queued %,10d   heap used after GC %6.1f MB%n", step, queued,
                used / 1048576.0);
    }
}
