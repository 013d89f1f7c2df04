package dev.iotspring.core.mqtt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Virtual time for {@link MqttConnection}: tasks run only when the test advances the clock, so a reconnect
 * schedule of minutes is checked in milliseconds. Records every requested delay.
 */
final class VirtualScheduler implements MqttScheduler {

    private final PriorityQueue<Task> tasks = new PriorityQueue<>();

    private final List<Duration> requested = new ArrayList<>();

    private long nowMillis;

    private long sequence;

    @Override
    public synchronized Cancellable schedule(Runnable task, Duration delay) {
        Task t = new Task(this.nowMillis + delay.toMillis(), this.sequence++, task);
        this.tasks.add(t);
        this.requested.add(delay);
        notifyAll();
        return () -> {
            synchronized (this) {
                this.tasks.remove(t);
            }
        };
    }

    @Override
    public void shutdown() {
    }

    /** Waits (in real time, bounded) until {@code count} delays were requested; returns them. */
    synchronized List<Duration> awaitRequested(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (this.requested.size() < count) {
            long remaining = (deadline - System.nanoTime()) / 1_000_000;
            if (remaining <= 0) {
                throw new AssertionError("only " + this.requested.size() + " delays requested: " + this.requested);
            }
            wait(remaining);
        }
        return List.copyOf(this.requested);
    }

    /** Moves the clock to the next task and runs it on the calling thread. */
    void runNext() {
        Task next;
        synchronized (this) {
            next = this.tasks.poll();
            if (next == null) {
                throw new AssertionError("nothing scheduled");
            }
            this.nowMillis = next.at;
        }
        next.task.run();
    }

    synchronized long nowMillis() {
        return this.nowMillis;
    }

    private record Task(long at, long seq, Runnable task) implements Comparable<Task> {

        @Override
        public int compareTo(Task o) {
            int c = Long.compare(this.at, o.at);
            return (c != 0) ? c : Long.compare(this.seq, o.seq);
        }
    }
}
