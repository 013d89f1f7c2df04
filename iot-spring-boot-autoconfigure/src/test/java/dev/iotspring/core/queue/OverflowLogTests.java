package dev.iotspring.core.queue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** A queue overflowing during an outage drops a message per send: the log gets a warning per interval, not per drop. */
@ExtendWith(OutputCaptureExtension.class)
class OverflowLogTests {

    private static final OverflowPolicy POLICY = new OverflowPolicy(5, OverflowStrategy.DROP_OLDEST);

    @Test
    void warnsAtTheFirstDropThenOncePerIntervalWithHowManyWereDroppedMeanwhile(CapturedOutput output) {
        AtomicLong now = new AtomicLong();
        OverflowLog log = new OverflowLog(LoggerFactory.getLogger(OverflowLogTests.class), "Queue q", now::get);
        for (int i = 1; i <= 1000; i++) {
            log.dropped("oldest", POLICY, "m" + i, i);
        }
        assertThat(warnings(output)).containsExactly(
                "Queue q full (max-size 5): dropped the oldest message m1 (1 dropped so far)");
        now.addAndGet(OverflowLog.INTERVAL.toNanos());
        log.dropped("new", POLICY, "m1001", 1001);
        log.dropped("new", POLICY, "m1002", 1002);
        assertThat(warnings(output)).hasSize(2).last().isEqualTo("Queue q full (max-size 5): dropped the new message "
                + "m1001, and 999 more since the last warning (1001 dropped so far)");
    }

    @Test
    void aQueueThatKeepsDroppingLogsOneWarningWhileEveryDropReachesItsListeners(CapturedOutput output) {
        InMemoryQueue queue = new InMemoryQueue(QueueOrder.FIFO, 1, OverflowStrategy.DROP_OLDEST);
        List<String> dropped = new CopyOnWriteArrayList<>();
        queue.addDropListener((message) -> dropped.add(message.id()));
        for (int i = 0; i < 500; i++) {
            queue.offer(OutboundMessage.of("m" + i, "t", new byte[1]));
        }
        assertThat(dropped).hasSize(499);
        assertThat(queue.droppedCount()).isEqualTo(499);
        assertThat(warnings(output)).singleElement().asString().contains("dropped the oldest message m0");
    }

    private static List<String> warnings(CapturedOutput output) {
        return output.getAll().lines().filter((line) -> line.contains(" WARN ")).map((line) -> line.substring(
                line.indexOf(" - ") + 3)).toList();
    }
}
