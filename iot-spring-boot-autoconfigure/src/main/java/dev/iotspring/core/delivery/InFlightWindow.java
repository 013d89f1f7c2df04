package dev.iotspring.core.delivery;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.queue.QueuedMessage;

/**
 * The messages a {@link Dispatcher} handed to its sender and that are not acknowledged yet, in send order, and
 * the outcomes reported for them. Outcomes arrive on any thread ({@link #complete}, which then takes or asks for
 * the dispatcher's turn); everything else runs under that turn, which sorts them with {@link #collect}:
 * acknowledged, rejected for good, or a transient failure that sends the failed message and every message sent
 * after it back to the queue (so the queue order holds on the wire).
 */
final class InFlightWindow {

    private final int capacity;

    // Only under the dispatcher's turn; insertion order is send order.
    private final LinkedHashMap<Long, Entry> inFlight = new LinkedHashMap<>();

    /** Entries whose outcome arrived, in arrival order (an entry carries its own outcome). */
    private final ConcurrentLinkedQueue<Entry> completions = new ConcurrentLinkedQueue<>();

    /** Told after every outcome (takes or asks for the dispatcher's turn); any thread. */
    private final Runnable onCompletion;

    /** For readers on other threads (stats). */
    private volatile int count;

    InFlightWindow(int capacity, Runnable onCompletion) {
        this.capacity = capacity;
        this.onCompletion = onCompletion;
    }

    int capacity() {
        return this.capacity;
    }

    /** Messages in flight; safe from any thread. */
    int count() {
        return this.count;
    }

    boolean isEmpty() {
        return this.inFlight.isEmpty();
    }

    /** Room left in the window. */
    int free() {
        return this.capacity - this.inFlight.size();
    }

    /** Adds a message handed to the sender; pass the entry to its future's {@code whenComplete}. */
    Entry add(QueuedMessage queued) {
        Entry entry = new Entry(queued, this);
        this.inFlight.put(queued.sequence(), entry);
        this.count = this.inFlight.size();
        return entry;
    }

    /** Any thread: the sender's outcome for {@code entry} (null error = acknowledged). */
    void complete(Entry entry, @Nullable Throwable error) {
        entry.error = error;
        this.completions.add(entry);
        this.onCompletion.run();
    }

    /** Forgets outcomes of a previous run. */
    void clearCompletions() {
        this.completions.clear();
    }

    /**
     * Sorts the outcomes reported since the last call; null when there were none.
     * @param connectionLoss which transient failures mean the connection closed under a message that was on the
     *     wire (see {@link Outcomes#lostOldest})
     */
    @Nullable Outcomes collect(Predicate<Throwable> permanentFailure, Predicate<Throwable> connectionLoss) {
        if (this.completions.isEmpty()) {
            return null;
        }
        List<QueuedMessage> acked = new ArrayList<>();
        // Rejections and requeues are rare: their lists are made when needed.
        List<Rejected> rejected = List.of();
        List<QueuedMessage> requeue = List.of();
        Throwable transientError = null;
        QueuedMessage lostOldest = null;
        Entry completed;
        while ((completed = this.completions.poll()) != null) {
            long sequence = completed.queued.sequence();
            if (this.inFlight.get(sequence) != completed) {
                continue; // requeued already because an earlier message failed: stale outcome
            }
            Throwable error = unwrap(completed.error);
            if (error == null) {
                this.inFlight.remove(sequence);
                acked.add(completed.queued);
            }
            else if (permanentFailure.test(error)) {
                this.inFlight.remove(sequence);
                if (rejected.isEmpty()) {
                    rejected = new ArrayList<>();
                }
                rejected.add(new Rejected(completed.queued, error));
            }
            else {
                // This one and everything sent after it go back, so the queue order holds on the wire.
                if (lostOldest == null && isOldest(sequence) && connectionLoss.test(error)) {
                    lostOldest = completed.queued;
                }
                boolean found = false;
                for (Iterator<Map.Entry<Long, Entry>> it = this.inFlight.entrySet().iterator(); it.hasNext();) {
                    Map.Entry<Long, Entry> e = it.next();
                    if (e.getKey() == sequence) {
                        found = true;
                    }
                    if (found) {
                        if (requeue.isEmpty()) {
                            requeue = new ArrayList<>();
                        }
                        requeue.add(e.getValue().queued);
                        it.remove();
                    }
                }
                transientError = error;
            }
        }
        this.count = this.inFlight.size();
        return new Outcomes(acked, rejected, requeue, transientError, lostOldest);
    }

    private boolean isOldest(long sequence) {
        Iterator<Long> it = this.inFlight.keySet().iterator();
        return it.hasNext() && it.next() == sequence;
    }

    /** Empties the window (the drain ended); returns what was still unacknowledged, in send order. */
    List<QueuedMessage> removeAll() {
        List<QueuedMessage> unacked = new ArrayList<>(this.inFlight.size());
        this.inFlight.values().forEach(e -> unacked.add(e.queued));
        this.inFlight.clear();
        this.count = 0;
        return unacked;
    }

    private static @Nullable Throwable unwrap(@Nullable Throwable error) {
        Throwable current = error;
        while ((current instanceof CompletionException || current instanceof ExecutionException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    /**
     * One message in flight; outcomes are matched by identity, so a resent message is a new entry. It is also the
     * action its future runs on completion, and carries the outcome to the dispatcher's turn: one object per
     * message sent, where a lambda and an outcome record were two more.
     */
    static final class Entry implements BiConsumer<Object, Throwable> {

        final QueuedMessage queued;

        private final InFlightWindow window;

        /** The outcome, written before the entry is queued in {@link #completions} and read after it is taken. */
        private @Nullable Throwable error;

        Entry(QueuedMessage queued, InFlightWindow window) {
            this.queued = queued;
            this.window = window;
        }

        @Override
        public void accept(Object ignored, @Nullable Throwable error) {
            this.window.complete(this, error);
        }
    }

    record Rejected(QueuedMessage queued, Throwable error) {
    }

    /**
     * Outcomes sorted by {@link #collect}; {@code requeue} is non-empty only with a {@code transientError};
     * {@code lostOldest} is the oldest message in flight when the connection was lost under it (a poison-message
     * suspect: MQTT 3.1.1 brokers refuse a publish by closing the connection).
     */
    record Outcomes(List<QueuedMessage> acked, List<Rejected> rejected, List<QueuedMessage> requeue,
            @Nullable Throwable transientError, @Nullable QueuedMessage lostOldest) {

        boolean anyDone() {
            return !this.acked.isEmpty() || !this.rejected.isEmpty();
        }
    }
}
