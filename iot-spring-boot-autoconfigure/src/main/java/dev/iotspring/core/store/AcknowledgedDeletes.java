package dev.iotspring.core.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.core.queue.QueuedMessage;

/**
 * The deletes of a {@link JdbcOutboundQueue}'s acknowledged rows, between {@code ack} and the commit that writes
 * them. Deferred (always with a journal, the starter's SQLite stores; by {@link IotStore#setDeferredDeletes}
 * otherwise), they ride the next group commit, or a thread of the queue ({@code iot-outbox-<name>-acks}) commits
 * them once the oldest is {@link JdbcOutboundQueue#ACK_FLUSH_DELAY} old, and an {@code ack} that finds
 * {@link JdbcOutboundQueue#ACK_PENDING_MAX} pending waits for their commit. With a journal every pending row is
 * also recorded there, so a crash sends none of them again: the next open deletes them first
 * ({@link AcknowledgementJournal}); without one, the bound is what a crash sends again. Not deferred, an
 * {@code ack} commits them before it returns.
 *
 * <p>Guarded by the queue's lock: the rows leave this set in the same step that plans the commit carrying them.
 */
final class AcknowledgedDeletes {

    private static final Logger logger = LoggerFactory.getLogger(JdbcOutboundQueue.class);

    private final ReentrantLock lock;

    /** Rows acknowledged, or the queue closed: what the flusher waits for. */
    private final Condition changed;

    private final String queueName;

    /** Commits every pending delete (the queue's group commit); throws what the commit threw. */
    private final Runnable commit;

    /** Acknowledged rows (no longer counted or in flight) whose delete is in no transaction yet. */
    private final TreeSet<Long> pending = new TreeSet<>();

    /** Acknowledged rows whose delete the running transaction writes. */
    private int inWrite;

    /** When the oldest pending row was acknowledged ({@link System#nanoTime()}). */
    private long oldestAt;

    /** How long an acknowledged row may wait for its delete; negative: committed before {@code ack} returns. */
    private long flushDelayNanos = -1;

    private @Nullable Thread flusher;

    private final @Nullable AcknowledgementJournal journal;

    /** The journal's index when the running transaction took its deletes. */
    private long journalMark;

    /** A row the journal had no room for is pending: the acknowledgement commits instead of deferring. */
    private boolean unjournaled;

    /** {@link #unjournaled} for the rows the running transaction took (back to pending if it fails). */
    private boolean unjournaledInWrite;

    private boolean closed;

    AcknowledgedDeletes(ReentrantLock lock, String queueName, Runnable commit,
            @Nullable AcknowledgementJournal journal) {
        this.lock = lock;
        this.journal = journal;
        this.changed = lock.newCondition();
        this.queueName = queueName;
        this.commit = commit;
    }

    /** Under the lock: {@code row} was acknowledged and is no longer counted. */
    void add(QueuedMessage row) {
        if (this.pending.isEmpty()) {
            this.oldestAt = System.nanoTime();
            this.changed.signalAll();
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
        if (deferred && this.flusher == null) {
            Thread thread = new Thread(this::flushLoop, "iot-outbox-" + this.queueName + "-acks");
            thread.setDaemon(true);
            this.flusher = thread;
            thread.start();
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
        this.changed.signalAll();
    }

    /** Under the lock: ends the flusher (the queue then commits what {@link #takeForCommit} still holds). */
    void close() {
        this.closed = true;
        this.changed.signalAll();
    }

    /** The flusher thread: commits acknowledged rows that no offer's commit carried within the delay. */
    private void flushLoop() {
        while (true) {
            this.lock.lock();
            try {
                long wait;
                while (!this.closed && (wait = this.pending.isEmpty() ? Long.MAX_VALUE
                        : this.oldestAt + this.flushDelayNanos - System.nanoTime()) > 0) {
                    if (wait == Long.MAX_VALUE) {
                        this.changed.awaitUninterruptibly();
                    }
                    else {
                        this.changed.awaitNanos(wait);
                    }
                }
                if (this.closed) {
                    return;
                }
            }
            catch (InterruptedException ex) {
                return;
            }
            finally {
                this.lock.unlock();
            }
            try {
                this.commit.run();
            }
            catch (RuntimeException ex) {
                if (this.closed) {
                    return; // close committed them
                }
                // Kept for the next commit; the rows are only sent again if the process stops before that.
                logger.warn("Could not delete acknowledged messages of queue {}: {}", this.queueName, ex.toString());
                pauseAfterFailure();
            }
        }
    }

    private void pauseAfterFailure() {
        this.lock.lock();
        try {
            if (!this.closed) {
                this.changed.awaitNanos(this.flushDelayNanos * 50);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        finally {
            this.lock.unlock();
        }
    }
}
