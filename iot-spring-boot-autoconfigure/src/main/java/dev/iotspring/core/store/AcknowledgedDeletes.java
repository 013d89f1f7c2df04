package dev.iotspring.core.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.queue.QueuedMessage;

/**
 * The deletes of a {@link JdbcOutboundQueue}'s acknowledged rows, between {@code ack} and the commit that writes
 * them. Deferred (always with a journal, the starter's SQLite stores; by {@link IotStore#setDeferredDeletes}
 * otherwise), they ride the next group commit, or the queue's {@link BackgroundCommits} commits
 * them once the oldest is {@link JdbcOutboundQueue#ACK_FLUSH_DELAY} old, and an {@code ack} that finds
 * {@link JdbcOutboundQueue#ACK_PENDING_MAX} pending waits for their commit. With a journal every pending row is
 * also recorded there, so a crash sends none of them again: the next open deletes them first
 * ({@link AcknowledgementJournal}); without one, the bound is what a crash sends again. Not deferred, an
 * {@code ack} commits them before it returns.
 *
 * <p>Guarded by the queue's lock: the rows leave this set in the same step that plans the commit carrying them.
 */
final class AcknowledgedDeletes {

    /** Commits the deletes once due. */
    private final BackgroundCommits background;

    /** The oldest pending row changed since the background thread last heard of it. */
    private boolean backgroundDue;

    /** Acknowledged rows (no longer counted or in flight) whose delete is in no transaction yet. */
    private final TreeSet<Long> pending = new TreeSet<>();

    /** Acknowledged rows whose delete the running transaction writes. */
    private int inWrite;

    /** When the oldest pending row was acknowledged ({@link System#nanoTime()}). */
    private long oldestAt;

    /** How long an acknowledged row may wait for its delete; negative: committed before {@code ack} returns. */
    private long flushDelayNanos = -1;

    private final @Nullable AcknowledgementJournal journal;

    /** The journal's index when the running transaction took its deletes. */
    private long journalMark;

    /** A row the journal had no room for is pending: the acknowledgement commits instead of deferring. */
    private boolean unjournaled;

    /** {@link #unjournaled} for the rows the running transaction took (back to pending if it fails). */
    private boolean unjournaledInWrite;

    AcknowledgedDeletes(BackgroundCommits background, @Nullable AcknowledgementJournal journal) {
        this.background = background;
        this.journal = journal;
    }

    /** Under the lock: {@code row} was acknowledged and is no longer counted. */
    void add(QueuedMessage row) {
        if (this.pending.isEmpty()) {
            this.oldestAt = System.nanoTime();
            this.backgroundDue = true;
        }
        this.pending.add(row.sequence());
        if (this.journal != null && !this.journal.record(row)) {
            this.unjournaled = true;
        }
    }

    /**
     * Under the lock, after {@link #add}: whether the acknowledging caller must commit the deletes before it
     * returns (always by default; deferred, only at the bound or when the journal had no room). Starts the
     * flusher on first use.
     */
    boolean mustCommitNow() {
        boolean deferred = this.flushDelayNanos >= 0;
        if (deferred && this.backgroundDue) {
            // Only for the first pending row: later ones are due no sooner.
            this.backgroundDue = false;
            this.background.changed();
        }
        return !deferred || this.unjournaled
                || this.pending.size() + this.inWrite >= JdbcOutboundQueue.ACK_PENDING_MAX;
    }

    /** Under the lock, planning a commit: every pending delete goes into it, in ascending order. */
    List<Long> takeForCommit() {
        if (this.journal != null) {
            this.journalMark = this.journal.mark();
        }
        this.unjournaledInWrite = this.unjournaled;
        this.unjournaled = false;
        if (this.pending.isEmpty()) {
            return List.of();
        }
        List<Long> taken = new ArrayList<>(this.pending);
        this.pending.clear();
        this.inWrite = taken.size();
        return taken;
    }

    /** Under the lock, after the commit: a failed one leaves its deletes for the next commit. */
    void written(List<Long> taken, boolean failed) {
        this.inWrite = 0;
        if (!failed && this.journal != null) {
            this.journal.committed(this.journalMark);
        }
        if (failed) {
            this.unjournaled |= this.unjournaledInWrite;
        }
        if (failed && !taken.isEmpty()) {
            if (this.pending.isEmpty()) {
                this.oldestAt = System.nanoTime();
            }
            this.pending.addAll(taken);
        }
    }

    /** Under the lock: acknowledged rows whose delete is not committed yet. */
    int count() {
        return this.pending.size() + this.inWrite;
    }

    /** Under the lock: {@code delay} negative commits every delete in {@code ack}. */
    void flushDelay(Duration delay) {
        this.flushDelayNanos = delay.toNanos();
        if (this.flushDelayNanos >= 0) {
            this.background.changed();
        }
    }

    /** Under the lock: nanoseconds until the oldest pending delete is due in the background. */
    long nanosUntilDue() {
        if (this.pending.isEmpty() || this.flushDelayNanos < 0) {
            return Long.MAX_VALUE;
        }
        return this.oldestAt + this.flushDelayNanos - System.nanoTime();
    }
}
