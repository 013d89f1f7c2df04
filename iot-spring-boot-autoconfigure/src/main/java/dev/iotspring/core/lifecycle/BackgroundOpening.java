package dev.iotspring.core.lifecycle;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.slf4j.Logger;

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

    /**
     * Logs that {@code what} could not be opened: at error level with its cause, or, when the application was
     * stopping (its stores closed under the opener, after a failed start say), at debug level only, since nothing
     * failed then and the real failure, if any, is reported elsewhere.
     * @param what names it, e.g. "the astarte store"
     * @param consequence what fails meanwhile, e.g. "its sends and calls fail until the application is restarted"
     */
    public static void logFailure(Logger logger, boolean stopping, String what, String consequence,
            Throwable failure) {
        if (stopping) {
            logger.debug("{} did not open before the application stopped: {}", what, failure.toString());
        }
        else {
            logger.error("Could not open {}; {}", what, consequence, failure);
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
