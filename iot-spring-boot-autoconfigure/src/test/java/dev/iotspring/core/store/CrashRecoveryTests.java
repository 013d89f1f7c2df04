package dev.iotspring.core.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.QueuedMessage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real crash: another JVM fills a durable queue, takes messages in flight, acknowledges some and halts without
 * closing anything. The next open finds every unacknowledged message, the in-flight ones at their place, after
 * the acknowledged ones whose delete was not committed yet.
 */
class CrashRecoveryTests {

    @TempDir
    Path directory;

    @Test
    void inFlightAndQueuedMessagesSurviveAProcessCrash() throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CrashingProducer.class.getName(),
                this.directory.toString()).redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.exitValue()).as(output).isEqualTo(CrashingProducer.HALT_STATUS);
        assertThat(output).contains("in flight: 10");

        try (IotStores stores = new IotStores(this.directory, SynchronousMode.FULL, Duration.ofSeconds(5))) {
            JdbcOutboundQueue queue = stores.open("crash").outboundQueue("events");
            // The 5 acknowledged rows come back first if the crash came before their delete was committed (it
            // rides the next commit, or the flusher's within ACK_FLUSH_DELAY): all or none, never a gap.
            assertThat(queue.size()).isIn(95, 100);
            int first = 100 - queue.size();
            List<QueuedMessage> all = queue.poll(1000);
            assertThat(all).extracting(q -> q.message().id())
                    .containsExactlyElementsOf(IntStream.range(first, 100).mapToObj(Integer::toString).toList());
        }
    }

    /** Runs in the child JVM. */
    public static final class CrashingProducer {

        static final int HALT_STATUS = 42;

        public static void main(String[] args) {
            IotStores stores = new IotStores(Path.of(args[0]), SynchronousMode.FULL, Duration.ofSeconds(5));
            JdbcOutboundQueue queue = stores.open("crash").outboundQueue("events");
            queue.offerAll(IntStream.range(0, 100)
                    .mapToObj(i -> OutboundMessage.of(Integer.toString(i), "t", new byte[] { (byte) i })).toList());
            List<QueuedMessage> inFlight = queue.poll(10);
            queue.ack(inFlight.subList(0, 5));
            System.out.println("in flight: " + inFlight.size());
            System.out.flush();
            // No close, no shutdown hooks: as if the power went.
            Runtime.getRuntime().halt(HALT_STATUS);
        }
    }
}
