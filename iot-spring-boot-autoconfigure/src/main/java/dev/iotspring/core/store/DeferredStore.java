package dev.iotspring.core.store;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.core.lifecycle.BackgroundOpening;
import dev.iotspring.core.queue.DeferredOutboundQueue;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.OverflowStrategy;

/**
 * A platform's store while it opens on a thread of its own ({@link IotStores#openInBackground}): a platform's beans
 * take their tables and queues from here at once, those open on the opening thread right after the store, and only
 * a call that uses one waits for it. So the SQLite file, its pool and its migrations stay off the application's
 * startup thread.
 *
 * <p>If the store cannot be opened, that is logged once at error level and every use throws an
 * {@link IllegalStateException} naming the platform, {@code iot.storage.directory} and the cause; {@link #failure()}
 * gives it to health indicators.
 */
public final class DeferredStore {

    private static final Logger logger = LoggerFactory.getLogger(DeferredStore.class);

    private final String platform;

    private final CompletableFuture<IotStore> store = new CompletableFuture<>();

    private DeferredStore(String platform, CompletableFuture<IotStore> opening, String where,
            BooleanSupplier stopping) {
        this.platform = Objects.requireNonNull(platform, "platform");
        opening.whenComplete((opened, ex) -> {
            if (ex == null) {
                this.store.complete(opened);
                return;
            }
            Throwable cause = BackgroundOpening.failure(opening);
            IllegalStateException failure = new IllegalStateException("The " + platform + " store could not be "
                    + "opened (iot.storage.directory, " + where + "): " + cause, cause);
            BackgroundOpening.logFailure(logger, stopping.getAsBoolean(), "the " + platform + " store",
                    "its sends and calls fail until the application is restarted", failure);
            this.store.completeExceptionally(failure);
        });
    }

    /** Starts opening {@code platform}'s store in {@code stores} on a thread of its own. */
    public static DeferredStore open(IotStores stores, String platform) {
        return new DeferredStore(platform, stores.openInBackground(platform), stores.file(platform).toString(),
                stores::isClosed);
    }

    /** A store opened (or being opened) elsewhere, e.g. an application's own {@link IotStore}. */
    public static DeferredStore of(String platform, CompletableFuture<IotStore> opening) {
        return new DeferredStore(platform, opening, "store " + platform, () -> false);
    }

    /** The store, waiting until it is open; throws why it could not be opened. */
    public IotStore join() {
        return BackgroundOpening.join(this.store);
    }

    /** Whether opening finished, successfully or not. */
    public boolean isDone() {
        return this.store.isDone();
    }

    /** Why the store could not be opened ({@code iot.storage.directory} and the cause), else null (also while opening). */
    public @Nullable Throwable failure() {
        return BackgroundOpening.failure(this.store);
    }

    /**
     * Runs {@code action} on {@code executor} once the store is open (e.g. a device that pairs only then); never if
     * it cannot be opened, which was logged already. What is made of the store may still be being made: a use waits.
     */
    public void whenOpen(Executor executor, Runnable action) {
        this.store.thenRunAsync(action, executor);
    }

    /**
     * What {@code open} makes of the store (a table, its migrations), made on the opening thread once the store is
     * open (at once if it is); {@link Supplier#get()} waits for it and throws why it could not be made.
     */
    public <T> Supplier<T> lazily(Function<IotStore, T> open) {
        CompletableFuture<T> made = then(open);
        return () -> BackgroundOpening.join(made);
    }

    /** A key-value namespace of the store ({@link IotStore#keyValueStore}), see {@link #lazily}. */
    public Supplier<JdbcKeyValueStore> keyValueStore(String namespace) {
        return lazily((opened) -> opened.keyValueStore(namespace));
    }

    /**
     * A durable FIFO queue of the store ({@link IotStore#outboundQueue(String, int, OverflowStrategy)}), usable at
     * once: every operation waits until it is open, so an offer still returns only after its commit.
     */
    public OutboundQueue outboundQueue(String queueName, int maxSize, OverflowStrategy overflow) {
        return new DeferredOutboundQueue(this.platform + "-" + queueName, true,
                then((opened) -> opened.outboundQueue(queueName, maxSize, overflow)));
    }

    /** A failure of the store itself was logged already; one of what is made of it is logged here. */
    private <T> CompletableFuture<T> then(Function<IotStore, T> open) {
        // Registered before the store is open, it runs on the opening thread; after, on a thread of its own: never
        // on the caller's (the application's startup) thread.
        CompletableFuture<T> made = this.store.isDone() ? this.store.thenApplyAsync(open, this::onThreadOfItsOwn)
                : this.store.thenApply(open);
        made.whenComplete((value, ex) -> {
            Throwable failure = BackgroundOpening.failure(made);
            if (failure != null && failure != failure()) {
                BackgroundOpening.logFailure(logger, closedMeanwhile(), "a table of the " + this.platform + " store",
                        "what uses it fails", failure);
            }
        });
        return made;
    }

    private boolean closedMeanwhile() {
        IotStore opened = (this.store.isDone() && !this.store.isCompletedExceptionally()) ? this.store.join() : null;
        return opened != null && opened.isClosed();
    }

    private void onThreadOfItsOwn(Runnable task) {
        BackgroundOpening.start(this.platform, task);
    }

    @Override
    public String toString() {
        return "DeferredStore[" + this.platform + ", " + (this.store.isDone() ? (failure() != null ? "failed" : "open")
                : "opening") + "]";
    }
}
