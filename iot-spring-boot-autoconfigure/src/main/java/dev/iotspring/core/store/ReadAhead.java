package dev.iotspring.core.store;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import dev.iotspring.core.queue.QueuedMessage;

/**
 * Where a {@link JdbcOutboundQueue} reads its next rows: the cursor (highest sequence handed out in this run) and
 * the next committed rows after it, kept in heap up to {@link JdbcOutboundQueue#READ_AHEAD_MAX} so a dispatcher
 * that keeps up with the producers never reads back what they just wrote. When {@link #isComplete() complete}, no
 * other committed row is unread; otherwise the rows after the last one here are on disk only and are read in
 * pages of {@link JdbcOutboundQueue#READ_PAGE}. Heap does not grow with the queue's length.
 *
 * <p>Guarded by the queue's lock.
 */
final class ReadAhead {

    private final ArrayDeque<QueuedMessage> rows = new ArrayDeque<>();

    private boolean complete;

    /** Highest sequence handed out in this run; rows above it have never been handed out. */
    private long cursor = -1;

    ReadAhead(boolean complete) {
        this.complete = complete;
    }

    long cursor() {
        return this.cursor;
    }

    boolean isComplete() {
        return this.complete;
    }

    /** Moves rows from heap to {@code taken} until it holds {@code max}. */
    void takeInto(List<QueuedMessage> taken, int max) {
        while (taken.size() < max && !this.rows.isEmpty()) {
            QueuedMessage next = this.rows.pollFirst();
            taken.add(next);
            this.cursor = next.sequence();
        }
    }

    /**
     * The heap is empty: reads the next page from disk, hands out what {@code taken} still needs, keeps the rest.
     * @param queuedUnread committed rows neither in flight, requeued nor taken
     * @param uncommitted sequences of callers' transactions not seen yet (rows read here are seen)
     * @param moreToCome rows are queued whose insert has not committed (the intake journal's): what is read cannot
     * be everything
     */
    void readPage(OutboxWriter writer, List<QueuedMessage> taken, int max, int queuedUnread, Set<Long> uncommitted,
            boolean moreToCome) {
        int wanted = max - taken.size();
        int page = Math.min(Math.max(wanted, JdbcOutboundQueue.READ_PAGE), queuedUnread);
        List<QueuedMessage> read = writer.read(this.cursor, page);
        if (!uncommitted.isEmpty()) {
            read.forEach(r -> uncommitted.remove(r.sequence()));
        }
        // Fewer than asked: every committed row is read (a caller's transaction committing later resets this).
        this.complete = !moreToCome
                && (read.size() < page || (read.size() == queuedUnread && uncommitted.isEmpty()));
        int handOut = Math.min(wanted, read.size());
        taken.addAll(read.subList(0, handOut));
        this.rows.addAll(read.subList(handOut, read.size()));
        if (handOut > 0) {
            this.cursor = read.get(handOut - 1).sequence();
        }
    }

    /** A group commit wrote {@code inserts} (after every committed row): kept while there is room. */
    void committed(List<QueuedMessage> inserts) {
        if (!this.complete) {
            return;
        }
        if (this.rows.size() + inserts.size() <= JdbcOutboundQueue.READ_AHEAD_MAX) {
            this.rows.addAll(inserts);
        }
        else {
            // The queue outgrew the read-ahead: what follows its last row is read from disk.
            this.complete = false;
        }
    }

    /** Overflow victims deleted by a commit. */
    void removeAll(List<QueuedMessage> victims) {
        if (victims.isEmpty()) {
            return;
        }
        Set<Long> gone = new HashSet<>();
        victims.forEach(v -> gone.add(v.sequence()));
        this.rows.removeIf(q -> gone.contains(q.sequence()));
    }

    /**
     * A caller's transaction committed a row unseen so far. Returns true when it is behind the cursor (poll moved
     * past it: the queue hands it out with the requeued rows); otherwise it sits before or among the rows here,
     * so they are dropped and the next poll reads from the cursor again.
     */
    boolean lateCommitBehindCursor(long sequence) {
        if (sequence <= this.cursor) {
            return true;
        }
        this.rows.clear();
        this.complete = false;
        return false;
    }

    /** Unread rows in heap, oldest first (overflow victims). */
    Iterator<QueuedMessage> unread() {
        return this.rows.iterator();
    }

    /** The last row known (in heap, else the cursor): rows after it are on disk only, unless complete. */
    long lastKnownSequence() {
        return this.rows.isEmpty() ? this.cursor : this.rows.peekLast().sequence();
    }
}
