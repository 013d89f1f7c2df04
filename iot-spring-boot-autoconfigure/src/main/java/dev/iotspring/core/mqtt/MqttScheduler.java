package dev.iotspring.core.mqtt;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Runs the connection's own work (connect attempts, reconnect delays) one task at a time. The default runs on
 * one daemon thread; tests substitute a virtual-time implementation to check the delay schedule without
 * waiting for it.
 */
public interface MqttScheduler {

    /** Runs {@code task} after {@code delay}; the returned handle cancels it. */
    Cancellable schedule(Runnable task, Duration delay);

    /** Stops running tasks; called when the connection closes. */
    void shutdown();

    /** Handle of a scheduled task. */
    @FunctionalInterface
    interface Cancellable {

        void cancel();
    }

    /** A scheduler on one daemon thread with the given name. */
    static MqttScheduler singleThread(String threadName) {
        ThreadFactory factory = runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        };
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(factory);
        return new MqttScheduler() {
            @Override
            public Cancellable schedule(Runnable task, Duration delay) {
                ScheduledFuture<?> future = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
                return () -> future.cancel(false);
            }

            @Override
            public void shutdown() {
                executor.shutdownNow();
            }
        };
    }
}
