package dev.iotspring.core.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Test messages and the overflow reference scenario, shared by the tests of every {@link OutboundQueue}. */
public final class QueueScenarios {

    private QueueScenarios() {
    }

    /** A message with id {@code i}, topic "topic" and the one-byte payload {@code i}. */
    public static OutboundMessage message(int i) {
        return OutboundMessage.of(Integer.toString(i), "topic", new byte[] { (byte) i });
    }

    /** The ids, comma separated, in order. */
    public static String ids(List<QueuedMessage> messages) {
        return String.join(",", messages.stream().map(m -> m.message().id()).toList());
    }

    /**
     * The reference scenario of the StellaNow Python SDK (tests/test_queue_overflow_strategies.py) on a queue of
     * max-size 3: enqueue 0-5, dequeue 2, enqueue 6-9, then everything left, {@code drainBatch} at a time. Nothing
     * is acknowledged: the dequeued messages are in flight, as in the SDK's send loop.
     */
    public static OverflowRun referenceOverflow(OutboundQueue queue, int drainBatch) {
        List<String> dropped = new CopyOnWriteArrayList<>();
        queue.addDropListener(m -> dropped.add(m.id()));
        for (int i = 0; i <= 5; i++) {
            queue.offer(message(i));
        }
        List<QueuedMessage> first = queue.poll(2);
        for (int i = 6; i <= 9; i++) {
            queue.offer(message(i));
        }
        List<QueuedMessage> remaining = new ArrayList<>();
        List<QueuedMessage> batch;
        while (!(batch = queue.poll(drainBatch)).isEmpty()) {
            remaining.addAll(batch);
        }
        return new OverflowRun(first, remaining, dropped);
    }

    /**
     * @param first the two messages dequeued before the second enqueue
     * @param remaining what was dequeued at the end
     * @param droppedIds ids the drop listener was told about
     */
    public record OverflowRun(List<QueuedMessage> first, List<QueuedMessage> remaining, List<String> droppedIds) {
    }
}
