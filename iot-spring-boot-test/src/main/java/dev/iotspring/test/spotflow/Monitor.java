package dev.iotspring.test.spotflow;

import java.time.Duration;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/** What the emulator's await helpers wait on: every recording and state change signals it. */
final class Monitor {

    private long changes;

    synchronized void changed() {
        this.changes++;
        notifyAll();
    }

    /**
     * Waits until {@code query} returns at least {@code count} items; fails the test with what it has. The query
     * runs without this monitor held, so it may take the locks of the emulator's state (which signal this monitor
     * while holding them).
     */
    <T> List<T> await(Supplier<List<T>> query, int count, Duration timeout, String what) {
        return await(() -> query.get().size(), query, count, timeout, what);
    }

    /**
     * Like {@link #await(Supplier, int, Duration, String)}, checking a cheap {@code size} on each change and
     * running {@code query} only at the end: waiting for many thousands of recordings stays linear.
     */
    <T> List<T> await(IntSupplier size, Supplier<List<T>> query, int count, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long seen;
            synchronized (this) {
                seen = this.changes;
            }
            if (size.getAsInt() >= count) {
                List<T> result = query.get();
                if (result.size() >= count) {
                    return result;
                }
            }
            synchronized (this) {
                while (this.changes == seen) {
                    long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
                    if (remainingMillis <= 0) {
                        List<T> result = query.get();
                        throw new AssertionError("Expected at least " + count + " " + what + " within " + timeout
                                + " but the Spotflow emulator has " + result.size() + ": " + abbreviate(result));
                    }
                    try {
                        wait(remainingMillis);
                    }
                    catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        throw new AssertionError("Interrupted while waiting for " + what, ex);
                    }
                }
            }
        }
    }

    private static String abbreviate(List<?> list) {
        return (list.size() <= 10) ? list.toString()
                : list.subList(0, 5) + " ... " + list.subList(list.size() - 5, list.size());
    }
}
