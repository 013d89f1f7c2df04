package dev.iotspring.core.lifecycle;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * What platforms open beside the application's startup (a SQLite file and its migrations, a TLS context) is a
 * {@link CompletableFuture}; whoever needs it waits with {@link #join} and gets the failure itself, not wrapped.
 */
public final class BackgroundOpening {

    private BackgroundOpening() {
    }

    /**
     * Runs {@code task} on a daemon thread of its own named {@code iot-open-<name>}: what opens beside the startup
     * never runs on the caller's (the application's startup) thread, and never keeps the JVM alive.
     */
    public static void start(String name, Runnable task) {
        Thread thread = new Thread(task, "iot-open-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Waits for {@code opening} and returns its value.
     * @throws RuntimeException the failure of opening, as thrown by the opener
     */
    public static <T> T join(CompletableFuture<T> opening) {
        try {
            return opening.join();
        }
        catch (CompletionException ex) {
            if (ex.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (ex.getCause() instanceof Error error) {
                throw error;
            }
            throw ex;
        }
    }

    /** The failure of an opening that failed, else null (also while it is still opening). */
    public static Throwable failure(CompletableFuture<?> opening) {
        if (!opening.isCompletedExceptionally()) {
            return null;
        }
        try {
            opening.join();
            return null;
        }
        catch (CompletionException ex) {
            return (ex.getCause() != null) ? ex.getCause() : ex;
        }
        catch (java.util.concurrent.CancellationException ex) {
            return ex;
        }
    }
}
