package dev.iotspring.core.delivery;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.core.queue.OutboundMessage;

/**
 * A {@link Dispatcher}'s fan-out of outcomes: every {@link DeliveryListener}, then the caller's future from
 * {@link Dispatcher#sendAsync} (last, so that a caller joining it sees counters and timers already updated).
 * A failing listener is logged and never stops the others or delivery.
 */
final class DeliveryNotifier {

    private static final Logger logger = LoggerFactory.getLogger(Dispatcher.class);

    private final String platform;

    private final List<DeliveryListener> listeners = new CopyOnWriteArrayList<>();

    /** Futures handed out by sendAsync, by message id. */
    private final ConcurrentHashMap<String, Pending<?>> futures = new ConcurrentHashMap<>();

    DeliveryNotifier(String platform, List<DeliveryListener> listeners) {
        this.platform = platform;
        this.listeners.addAll(listeners);
    }

    void addListener(DeliveryListener listener) {
        this.listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    boolean removeListener(DeliveryListener listener) {
        return this.listeners.remove(listener);
    }

    /**
     * The pending future of a message id; sending the same id again while it is pending shares the first one
     * (see {@link #view}).
     */
    Pending<?> futureFor(String messageId, Function<? super OutboundMessage, ?> result) {
        // One map operation for the usual new id; an id sent again while pending (rare) wastes the new future.
        Pending<?> created = new Pending<>(result);
        Pending<?> pending = this.futures.putIfAbsent(messageId, created);
        return (pending != null) ? pending : created;
    }

    /**
     * What the caller gets for {@code pending}: the future itself when it computes the caller's result, else (the
     * same id sent again with another result) a stage of it.
     */
    @SuppressWarnings("unchecked")
    static <R> CompletableFuture<R> view(Pending<?> pending, Function<? super OutboundMessage, ? extends R> result,
            OutboundMessage message) {
        if (pending.result == result) {
            return (CompletableFuture<R>) pending;
        }
        return pending.thenApply((ignored) -> result.apply(message));
    }

    /** The message was not accepted: its future fails now and is forgotten. */
    void refused(String messageId, Pending<?> future, RuntimeException cause) {
        this.futures.remove(messageId, future);
        future.completeExceptionally(cause);
    }

    // Runs per message under the dispatcher's turn: plain loops, no lambda per listener and message.
    void acked(OutboundMessage message) {
        for (DeliveryListener listener : this.listeners) {
            try {
                listener.onAcked(message);
            }
            catch (RuntimeException ex) {
                listenerFailed(message, ex);
            }
        }
        complete(message, null);
    }

    void failed(OutboundMessage message, Throwable cause) {
        for (DeliveryListener listener : this.listeners) {
            try {
                listener.onFailed(message, cause);
            }
            catch (RuntimeException ex) {
                listenerFailed(message, ex);
            }
        }
        complete(message, cause);
    }

    void dropped(OutboundMessage message) {
        for (DeliveryListener listener : this.listeners) {
            try {
                listener.onDropped(message);
            }
            catch (RuntimeException ex) {
                listenerFailed(message, ex);
            }
        }
        Pending<?> future = this.futures.remove(message.id());
        if (future != null) {
            future.completeExceptionally(new MessageDroppedException(message.id(),
                    "the queue was full and its overflow rule discarded it"));
        }
    }

    /** Fails every future still pending (their messages cannot complete in this run). */
    void failPendingFutures(DeliveryClosedException cause) {
        for (String id : List.copyOf(this.futures.keySet())) {
            Pending<?> future = this.futures.remove(id);
            if (future != null) {
                future.completeExceptionally(cause);
            }
        }
    }

    boolean hasPendingFutures() {
        return !this.futures.isEmpty();
    }

    /** Completes the caller's future; what the caller chained to it runs here and must not stop delivery. */
    private void complete(OutboundMessage message, @Nullable Throwable cause) {
        Pending<?> future = this.futures.remove(message.id());
        if (future == null) {
            return;
        }
        try {
            if (cause == null) {
                future.acknowledged(message);
            }
            else {
                future.completeExceptionally(cause);
            }
        }
        catch (RuntimeException ex) {
            listenerFailed(message, ex);
        }
    }

    private void listenerFailed(OutboundMessage message, RuntimeException ex) {
        logger.warn("A {} delivery listener failed for message {}", this.platform, message.id(), ex);
    }

    /**
     * The future {@link Dispatcher#sendAsync} hands out, completed with its caller's result of the acknowledged
     * message: one object per pending message (no dependent stage, which would keep two more while it waits).
     */
    static final class Pending<R> extends CompletableFuture<R> {

        final Function<? super OutboundMessage, ? extends R> result;

        Pending(Function<? super OutboundMessage, ? extends R> result) {
            this.result = result;
        }

        void acknowledged(OutboundMessage message) {
            R value;
            try {
                value = this.result.apply(message);
            }
            catch (RuntimeException ex) {
                completeExceptionally(ex);
                return;
            }
            complete(value);
        }
    }
}
