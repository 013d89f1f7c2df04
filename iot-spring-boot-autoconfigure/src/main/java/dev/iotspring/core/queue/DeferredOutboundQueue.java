package dev.iotspring.core.queue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.core.lifecycle.BackgroundOpening;

/**
 * A queue that is opened on a thread of its own, so that opening it (a SQLite file, its connection pool and its
 * migrations) runs beside the rest of the application's startup instead of on it. Every operation waits until the
 * queue is open and then goes to it, so nothing changes for a caller except when the time is spent: an
 * {@link #offer} still returns only once the opened queue accepted (for a durable queue: committed) the message.
 * If opening fails, every offer throws that failure (nothing queued), and it is logged once at error level; the
 * queue then reads as empty ({@link #size()} 0, {@link #poll} nothing), so that health, meters and the
 * dispatcher's drain at shutdown go on instead of failing on a queue that holds nothing this process can reach.
 */
public final class DeferredOutboundQueue implements OutboundQueue {

    private static final Logger logger = LoggerFactory.getLogger(DeferredOutboundQueue.class);

    private final String description;

    private final boolean durable;

    private final CompletableFuture<OutboundQueue> opened = new CompletableFuture<>();

    /** Listener registrations made before the queue was open. */
    private final List<Consumer<OutboundQueue>> pendingListeners = new ArrayList<>();

    /**
     * Starts opening at once.
     * @param description names the queue in the thread name and in the log when opening fails
     * @param durable what {@link #isDurable()} answers (known before the queue is open)
     * @param opener opens the queue; runs once, on a daemon thread
     */
    public DeferredOutboundQueue(String description, boolean durable, Supplier<? extends OutboundQueue> opener) {
        this(description, durable, opener, () -> false);
    }

    /**
     * Starts opening at once; a failure while {@code stopping} says the application stops (its stores closed
     * under the opener, after a failed start say) is no error of the queue's and is logged at debug level only.
     */
    public DeferredOutboundQueue(String description, boolean durable, Supplier<? extends OutboundQueue> opener,
            BooleanSupplier stopping) {
        this.description = Objects.requireNonNull(description, "description");
        this.durable = durable;
        Objects.requireNonNull(opener, "opener");
        Objects.requireNonNull(stopping, "stopping");
        BackgroundOpening.start(description, () -> open(opener, stopping));
    }

    /**
     * Follows a queue being opened elsewhere (e.g. in a store opening on a thread of its own); whoever opens it
     * reports its failure, this queue only throws it.
     * @param description names the queue in {@link #toString()}
     * @param durable what {@link #isDurable()} answers (known before the queue is open)
     * @param opening completes with the opened queue
     */
    public DeferredOutboundQueue(String description, boolean durable, CompletableFuture<? extends OutboundQueue> opening) {
        this.description = Objects.requireNonNull(description, "description");
        this.durable = durable;
        opening.whenComplete((queue, ex) -> {
            if (ex == null) {
                opened(Objects.requireNonNull(queue, "the opened queue"));
            }
            else {
                this.opened.completeExceptionally((ex instanceof CompletionException && ex.getCause() != null)
                        ? ex.getCause() : ex);
            }
        });
    }

    private void open(Supplier<? extends OutboundQueue> opener, BooleanSupplier stopping) {
        try {
            opened(Objects.requireNonNull(opener.get(), "the opened queue"));
        }
        catch (RuntimeException | Error ex) {
            BackgroundOpening.logFailure(logger, stopping.getAsBoolean(), "the " + this.description + " queue",
                    "sends fail until the application is restarted", ex);
            this.opened.completeExceptionally(ex);
        }
    }

    private void opened(OutboundQueue queue) {
        synchronized (this.pendingListeners) {
            // Before anyone can offer to it, so no drop or arrival goes unheard.
            this.pendingListeners.forEach((register) -> register.accept(queue));
            this.pendingListeners.clear();
            this.opened.complete(queue);
        }
    }

    /** The opened queue, waiting for it if needed. */
    public OutboundQueue queue() {
        return BackgroundOpening.join(this.opened);
    }

    /** Whether opening finished (successfully or not). */
    public boolean isOpened() {
        return this.opened.isDone();
    }

    @Override
    public void offer(OutboundMessage message) {
        queue().offer(message);
    }

    @Override
    public void offerAll(List<OutboundMessage> messages) {
        queue().offerAll(messages);
    }

    @Override
    public List<QueuedMessage> poll(int max) {
        OutboundQueue queue = queueOrNull();
        return (queue != null) ? queue.poll(max) : List.of();
    }

    @Override
    public void ack(Collection<QueuedMessage> messages) {
        OutboundQueue queue = queueOrNull();
        if (queue != null) {
            queue.ack(messages);
        }
    }

    @Override
    public void requeue(Collection<QueuedMessage> messages) {
        OutboundQueue queue = queueOrNull();
        if (queue != null) {
            queue.requeue(messages);
        }
    }

    @Override
    public int size() {
        OutboundQueue queue = queueOrNull();
        return (queue != null) ? queue.size() : 0;
    }

    @Override
    public long droppedCount() {
        OutboundQueue queue = queueOrNull();
        return (queue != null) ? queue.droppedCount() : 0;
    }

    /** The opened queue, waiting for it if needed; null if it could not be opened (nothing was ever in it). */
    private @Nullable OutboundQueue queueOrNull() {
        try {
            return BackgroundOpening.join(this.opened);
        }
        catch (RuntimeException | Error ex) {
            if (this.opened.isCompletedExceptionally()) {
                return null;
            }
            throw ex;
        }
    }

    @Override
    public boolean isDurable() {
        return this.durable;
    }

    @Override
    public void addDropListener(DropListener listener) {
        register((queue) -> queue.addDropListener(listener));
    }

    @Override
    public void addArrivalListener(Runnable listener) {
        register((queue) -> queue.addArrivalListener(listener));
    }

    private void register(Consumer<OutboundQueue> registration) {
        synchronized (this.pendingListeners) {
            if (!this.opened.isDone()) {
                this.pendingListeners.add(registration);
                return;
            }
        }
        if (!this.opened.isCompletedExceptionally()) {
            registration.accept(this.opened.join());
        }
    }

    @Override
    public void close() {
        OutboundQueue queue;
        try {
            queue = this.opened.join();
        }
        catch (CompletionException ex) {
            return; // never opened: nothing to close
        }
        queue.close();
    }

    @Override
    public String toString() {
        return "DeferredOutboundQueue[" + this.description + ", "
                + (this.opened.isDone() && !this.opened.isCompletedExceptionally() ? this.opened.join() : "opening")
                + "]";
    }
}
