package dev.iotspring.core.store;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.QueuedMessage;

/**
 * The offers of a {@link JdbcOutboundQueue} taken into its {@link IntakeJournal} and not yet inserted. They are
 * queued rows like any other (sequenced, counted, handed out, acknowledged) while their insert waits for the next
 * commit, which the queue's {@link BackgroundCommits} starts at once (and any other commit carries along, inserts
 * before deletes, so a row acknowledged before its insert committed is inserted and deleted in one transaction).
 * Guarded by the queue's lock: the rows leave this list in the same step that plans the commit carrying them.
 */
final class JournaledOffers {

    private final IntakeJournal journal;

    private final BackgroundCommits background;

    /** Journaled rows in no transaction yet, in sequence order. */
    private List<QueuedMessage> pending = new ArrayList<>();

    /** The journal's position when the running transaction took its rows. */
    private long mark;

    JournaledOffers(IntakeJournal journal, BackgroundCommits background) {
        this.journal = journal;
        this.background = background;
    }

    /** Outside the lock: the journal's bodies of {@code messages}, or null when one is too large for it. */
    @Nullable List<byte[]> encode(List<OutboundMessage> messages) {
        return this.journal.encode(messages);
    }

    /**
     * Under the lock: writes the messages as the rows from {@code firstSequence} on, all or none; null when the
     * journal has no room (the caller commits them itself).
     */
    @Nullable List<QueuedMessage> append(List<OutboundMessage> messages, List<byte[]> bodies,
            long firstSequence) {
        if (!this.journal.append(bodies, firstSequence)) {
            return null;
        }
        if (this.pending.isEmpty()) {
            this.background.changed();
        }
        List<QueuedMessage> rows = new ArrayList<>(messages.size());
        long sequence = firstSequence;
        for (OutboundMessage message : messages) {
            rows.add(new QueuedMessage(sequence++, message));
        }
        this.pending.addAll(rows);
        return rows;
    }

    /** Under the lock: rows wait for a commit that has not started (a page read from disk would miss them). */
    boolean hasPending() {
        return !this.pending.isEmpty();
    }

    /** Under the lock, planning a commit: every journaled row goes into it. */
    List<QueuedMessage> takeForCommit() {
        this.mark = this.journal.mark();
        if (this.pending.isEmpty()) {
            return List.of();
        }
        List<QueuedMessage> taken = this.pending;
        this.pending = new ArrayList<>();
        return taken;
    }

    /** Under the lock, after the commit: a failed one leaves its rows, first, for the next commit. */
    void written(List<QueuedMessage> taken, boolean failed) {
        if (!failed) {
            this.journal.committed(this.mark);
            return;
        }
        if (!taken.isEmpty()) {
            List<QueuedMessage> back = new ArrayList<>(taken.size() + this.pending.size());
            back.addAll(taken);
            back.addAll(this.pending);
            this.pending = back;
        }
    }

    /** Under the lock: 0 while rows wait for a commit, {@link Long#MAX_VALUE} otherwise. */
    long nanosUntilDue() {
        return this.pending.isEmpty() ? Long.MAX_VALUE : 0;
    }
}
