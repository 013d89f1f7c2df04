package dev.iotspring.core.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.iotspring.core.queue.DropListener;
import dev.iotspring.core.queue.DropListeners;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.OverflowLog;
import dev.iotspring.core.queue.OverflowPolicy;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueueFullException;
import dev.iotspring.core.queue.QueuedMessage;

/**
 * A durable FIFO {@link OutboundQueue} in a table ({@code <prefix>outbox}), one row per message, keyed by queue
 * name and sequence. Several queues (one per platform stream, or one per application instance on a shared
 * database) can live in the same table; each queue name must have a single writer process.
 *
 * <ul>
 * <li><b>Group commit.</b> Offers go through a {@link GroupCommit}: every request waiting while a transaction
 * runs is written by the next one (inserts and the deletes of acknowledged rows together, one fsync), whose leader
 * first waits briefly for the producers the previous one carried. Each caller returns only once its own rows are
 * committed (with {@code synchronous=FULL}, on disk). The queue's lock is not held while a transaction writes, so
 * the dispatcher keeps taking committed rows from the read-ahead and acknowledging meanwhile.</li>
 * <li><b>The intake journal</b> ({@code JournaledOffers}, under {@code synchronous=NORMAL} on the starter's SQLite
 * files). An offer writes its rows to the queue's {@code IntakeJournal}, a memory-mapped file that survives the
 * process being killed as a commit under {@code NORMAL} does, queues them and returns; the queue's
 * {@code BackgroundCommits} inserts them at once, many per commit, and the next open inserts what a killed
 * process left there.</li>
 * <li><b>In flight in memory only.</b> {@link #poll} marks rows in flight without writing. After a crash every
 * row that was in flight is still there and comes back at its place on the next open (at least once; duplicates
 * bounded by the dispatcher's window).</li>
 * <li><b>Deletes of acknowledged rows</b> ({@code AcknowledgedDeletes}). {@link #ack} forgets the rows at once
 * and leaves their {@code DELETE} to the next commit (an offer's, or a thread of the queue's after
 * {@link #ACK_FLUSH_DELAY}); one that finds {@value #ACK_PENDING_MAX} deletes pending waits for their commit. On
 * the starter's SQLite files it also records the rows in the queue's {@code AcknowledgementJournal} (a
 * memory-mapped file: no system call), and the next open after a crash deletes them before anything is sent, so
 * only the window in flight is sent again. Without a journal (an application's DataSource) {@link #ack} by default
 * returns once the {@code DELETE} is committed; deferred there ({@link IotStore#setDeferredDeletes}), a crash sends
 * again, in order and before the rest, at most the rows of the last {@code ACK_FLUSH_DELAY} plus one commit,
 * never more than {@value #ACK_PENDING_MAX} (plus one acknowledgement's rows). {@link #close} commits what is
 * left.</li>
 * <li><b>Bounded heap</b> ({@code ReadAhead}). The newest committed rows not yet handed out are kept in heap, at
 * most {@value #READ_AHEAD_MAX}, so a dispatcher keeping up with producers never reads them back; a longer queue
 * stays on disk and is read in pages.</li>
 * <li><b>Bound.</b> Optional, with the overflow rules of {@link InMemoryQueue}, applied to queued (not in
 * flight) rows; {@code drop-oldest} picks its victims with {@code OldestFirstVictims}.</li>
 * <li><b>Transactional outbox.</b> On an application's DataSource ({@link IotStore#of}), an offer made inside a
 * Spring transaction on that DataSource joins it: the message is sent only if the business data it belongs to
 * commits.</li>
 * </ul>
 *
 * <p>This class keeps the queue's counts, sequences, in-flight and requeued rows and plans each group commit;
 * {@code GroupCommit} gathers the callers, {@code OutboxWriter} turns a plan into SQL, {@code BackgroundCommits}
 * runs the commits nobody waits for, and the collaborators named above keep their part of the state under this
 * queue's lock. It stays above 500 lines because planning and applying a commit is one step over all of that
 * state (the bound, the overflow victims, the read-ahead, the in-flight marks, the pending deletes, the journaled
 * offers and callers' own transactions change together, under one lock), and so is an offer into the intake
 * journal, which takes a sequence, counts and queues its rows in the same step.
 */
public class JdbcOutboundQueue implements OutboundQueue {

    private static final Logger logger = LoggerFactory.getLogger(JdbcOutboundQueue.class);

    static final String COMPONENT = "outbox";

    private static final String TABLE_DEFINITION = "(queue_name VARCHAR(100) NOT NULL, seq BIGINT NOT NULL, "
            + "message_id VARCHAR(255) NOT NULL, destination VARCHAR(1024) NOT NULL, payload ${binary} NOT NULL, "
            + "qos SMALLINT NOT NULL, retain_flag SMALLINT NOT NULL, created_at BIGINT NOT NULL, "
            + "headers VARCHAR(4000), PRIMARY KEY (queue_name, seq))";

    /**
     * Version 2 on SQLite: the table keyed by its primary key alone ({@code WITHOUT ROWID}). With a rowid every
     * insert and delete wrote two B-trees, the table and the index of its primary key; now one: a quarter less CPU
     * for an insert plus a delete under {@code synchronous=NORMAL} (the benchmarks' {@code OutboxTableLayout});
     * under {@code FULL} the fsync dominates either way. A file of version 1 is copied over once at its next open.
     */
    static final List<Migration> MIGRATIONS = List.of(
            Migration.of(1, "outbox table", "CREATE TABLE ${prefix}outbox " + TABLE_DEFINITION),
            Migration.sqliteOnly(2, "outbox table without rowid (SQLite)",
                    "CREATE TABLE ${prefix}outbox_v2 " + TABLE_DEFINITION + " WITHOUT ROWID",
                    "INSERT INTO ${prefix}outbox_v2 SELECT queue_name, seq, message_id, destination, payload, qos, "
                            + "retain_flag, created_at, headers FROM ${prefix}outbox",
                    "DROP TABLE ${prefix}outbox", "ALTER TABLE ${prefix}outbox_v2 RENAME TO ${prefix}outbox"));

    /** Most committed, not yet handed out rows kept in heap. */
    static final int READ_AHEAD_MAX = 1024;

    /** Rows read per page when the queue is longer than the read-ahead. */
    static final int READ_PAGE = 256;

    /** Longest an acknowledged row waits for its delete when no offer commits meanwhile. */
    static final Duration ACK_FLUSH_DELAY = Duration.ofMillis(20);

    /** Most acknowledged rows whose delete is not committed; an ack beyond it waits for the commit. */
    static final int ACK_PENDING_MAX = 1024;

    private final OutboxWriter writer;

    private final String queueName;

    private final OverflowPolicy overflow;

    private final Runnable onClose;

    /** Guards everything below; a group commit holds it while it plans, writes and applies a batch. */
    private final ReentrantLock lock = new ReentrantLock();

    /** Signalled when a transaction's write ends ({@link #writing} false). */
    private final Condition written = this.lock.newCondition();

    private final GroupCommit groupCommit = new GroupCommit(this::commitBatch);

    private final BackgroundCommits background;

    private final AcknowledgedDeletes acknowledged;

    /** Offers in the intake journal whose insert is not committed; null: every offer commits before returning. */
    private final @Nullable JournaledOffers journaled;

    /** The last commit failed: offers take the group commit, so their callers hear of it, until one succeeds. */
    private boolean commitFailing;

    /**
     * A group commit between its plan and its apply carries offers of its own callers: offers wait for it instead
     * of going into the intake journal, whose rows are handed out at once and would overtake them.
     */
    private boolean offersInWrite;

    private final ReadAhead readAhead;

    private final Map<Long, QueuedMessage> inFlight = new HashMap<>();

    /** Messages returned by requeue: all below the cursor, handed out again before anything newer. */
    private final TreeMap<Long, QueuedMessage> requeued = new TreeMap<>();

    private final DropListeners dropListeners = new DropListeners(JdbcOutboundQueue.class);

    private final OverflowLog overflowLog;

    private long nextSequence;

    /** Rows of this queue in the table: queued plus in flight. Written under the lock, read without it. */
    private volatile int count;

    private volatile long dropped;

    /** Transactions that committed offers (group commit makes this lower than the number of offers). */
    private long offerTransactions;

    /** Sequences inserted in callers' transactions that are not committed (or not seen by poll) yet. */
    private final Set<Long> uncommitted = new HashSet<>();

    private final List<Runnable> arrivalListeners = new CopyOnWriteArrayList<>();

    /** A transaction writes with the lock released: poll must not read the disk, close must wait. */
    private boolean writing;

    private volatile boolean closed;

    /**
     * @param journal where acknowledged rows are recorded until their delete commits (the starter's own SQLite
     * file), or null: then a crash sends again the rows whose delete was pending
     * @param intake where offers are written before their insert commits, or null; what an earlier run left there
     * is inserted at open
     * @param journalOffers whether offers go into {@code intake} from now on ({@code synchronous=NORMAL}) or commit
     * before they return (then the intake is only replayed)
     */
    JdbcOutboundQueue(JdbcTemplate jdbc, TransactionTemplate tx, SqlDialect dialect, String prefix,
            String queueName, OverflowPolicy overflow, Runnable onClose, boolean exclusiveSqlite,
            @Nullable AcknowledgementJournal journal, @Nullable IntakeJournal intake, boolean journalOffers) {
        this.writer = new OutboxWriter(jdbc, tx, dialect, prefix, queueName, exclusiveSqlite);
        this.queueName = queueName;
        this.overflow = overflow;
        this.overflowLog = new OverflowLog(logger, "Queue " + queueName);
        this.onClose = onClose;
        if (intake != null) {
            insertJournaledRows(intake);
        }
        if (journal != null) {
            deleteJournaledRows(journal);
        }
        Map<String, Object> stats = this.writer.stats();
        this.count = ((Number) stats.get("row_count")).intValue();
        Number last = (Number) stats.get("max_seq");
        this.nextSequence = (last != null) ? last.longValue() + 1 : 0;
        this.readAhead = new ReadAhead(this.count == 0);
        this.background = new BackgroundCommits(this.lock, queueName, this::nanosUntilDue, this::commitAcknowledged);
        this.acknowledged = new AcknowledgedDeletes(this.background, journal);
        this.journaled = (intake != null && journalOffers) ? new JournaledOffers(intake, this.background) : null;
        if (this.count > 0) {
            logger.info("Outbound queue {} opened with {} messages from a previous run", queueName, this.count);
        }
    }

    /** Offers an earlier run accepted but may not have inserted (it was killed): inserted before anything else. */
    private void insertJournaledRows(IntakeJournal intake) {
        List<QueuedMessage> rows = intake.entries();
        if (!rows.isEmpty()) {
            int inserted = this.writer.insertMissing(rows);
            logger.info("Outbound queue {}: inserted {} messages accepted before the last stop", this.queueName,
                    inserted);
        }
        intake.committed(intake.mark());
    }

    /** Under the lock: until the background commit is due. */
    private long nanosUntilDue() {
        long offers = (this.journaled != null) ? this.journaled.nanosUntilDue() : Long.MAX_VALUE;
        return Math.min(offers, this.acknowledged.nanosUntilDue());
    }

    /** Rows an earlier run acknowledged but did not delete (it was killed): deleted before anything is sent. */
    private void deleteJournaledRows(AcknowledgementJournal journal) {
        List<AcknowledgementJournal.Entry> entries = journal.entries();
        if (!entries.isEmpty()) {
            int deleted = this.writer.deleteJournaled(entries);
            logger.info("Outbound queue {}: deleted {} messages acknowledged before the last stop", this.queueName,
                    deleted);
        }
        journal.committed(journal.mark());
    }

    // ---- offer and ack: group commit -----------------------------------------------------------------------

    @Override
    public void offer(OutboundMessage message) {
        offerAll(List.of(message));
    }

    @Override
    public void offerAll(List<OutboundMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        messages.forEach(m -> Objects.requireNonNull(m, "message"));
        checkOpen();
        if (this.writer.inCallerTransaction()) {
            offerInCallerTransaction(List.copyOf(messages));
            return;
        }
        if (this.journaled != null && offerToJournal(messages, this.journaled)) {
            return;
        }
        GroupCommit.Request request = GroupCommit.Request.offer(List.copyOf(messages));
        this.groupCommit.submit(request);
        request.dropped.forEach(this::notifyDropped);
        if (request.failure != null) {
            throw request.failure;
        }
    }

    /**
     * Writes the messages to the intake journal and queues them: they can be handed out at once, and a background
     * commit inserts them. False, with nothing written, when the group commit must take them: the last commit
     * failed (so this caller gets the failure, and its messages are not accepted), a commit carrying other callers'
     * offers is under way (they come first), the journal has no room, a message is too large for it, or the queue
     * is full (the overflow strategy decides there).
     */
    private boolean offerToJournal(List<OutboundMessage> messages, JournaledOffers offers) {
        List<byte[]> bodies = offers.encode(messages);
        if (bodies == null) {
            return false;
        }
        this.lock.lock();
        try {
            checkOpen();
            int queued = this.count - this.inFlight.size();
            if (this.commitFailing || this.offersInWrite || this.overflow.isFull(queued + messages.size() - 1)) {
                return false;
            }
            List<QueuedMessage> rows = offers.append(messages, bodies, this.nextSequence);
            if (rows == null) {
                return false;
            }
            this.nextSequence += rows.size();
            this.count += rows.size();
            this.readAhead.committed(rows);
            return true;
        }
        finally {
            this.lock.unlock();
        }
    }

    /** Offers waiting for the next group commit (tests arrange batches with it). */
    int waitingRequests() {
        return this.groupCommit.waitingRequests();
    }

    /** Commits whose leader waited for its group ({@code GroupCommit}, for tests). */
    int gathers() {
        return this.groupCommit.gathers();
    }

    /** How long a commit's leader may wait for its group ({@code GroupCommit}, for tests). */
    void gatherLimits(double shareOfLastCommit, Duration max) {
        this.groupCommit.gatherLimits(shareOfLastCommit, max);
    }

    /**
     * The leader of a group commit: one transaction for the whole batch. Planned and applied under the lock; the
     * write itself runs with the lock released unless it deletes overflow victims (rows poll could hand out).
     */
    private void commitBatch(List<GroupCommit.Request> batch) {
        this.lock.lock();
        try {
            if (this.closed) {
                IllegalStateException closedFailure = new IllegalStateException(
                        "Outbound queue " + this.queueName + " is closed");
                batch.forEach(r -> r.fail(closedFailure));
                return;
            }
            Plan plan = plan(batch);
            RuntimeException failure = null;
            if (plan.hasVictims()) {
                failure = write(plan);
            }
            else {
                this.writing = true;
                this.lock.unlock();
                try {
                    failure = write(plan);
                }
                finally {
                    this.lock.lock();
                    this.writing = false;
                    this.written.signalAll();
                }
            }
            apply(batch, plan, failure);
        }
        finally {
            this.lock.unlock();
        }
    }

    /** What one group commit writes, decided in memory before anything is written. */
    private record Plan(List<QueuedMessage> inserts, List<QueuedMessage> journaled,
            List<QueuedMessage> persistedVictims, List<Long> requeuedVictims, List<Long> acked, long droppedNow,
            long firstSequence, long nextSequence) {

        boolean hasVictims() {
            return !this.persistedVictims.isEmpty() || !this.requeuedVictims.isEmpty();
        }
    }

    private Plan plan(List<GroupCommit.Request> batch) {
        // Already queued (counted, maybe handed out or acknowledged): inserted first, never overflow victims here.
        List<QueuedMessage> journaledRows = (this.journaled != null) ? this.journaled.takeForCommit() : List.of();
        int offered = 0;
        for (GroupCommit.Request request : batch) {
            offered += request.inserts.size();
        }
        List<QueuedMessage> inserts = (offered == 0) ? List.of() : new ArrayList<>(offered);
        OldestFirstVictims victims = null;
        long firstSequence = this.nextSequence;
        long sequence = firstSequence;
        int queued = this.count - this.inFlight.size();
        long droppedNow = 0;
        for (GroupCommit.Request request : batch) {
            for (OutboundMessage message : request.inserts) {
                if (this.overflow.isFull(queued)) {
                    if (this.overflow.strategy() == OverflowStrategy.RAISE_EXCEPTION) {
                        request.failure = new QueueFullException(queued + this.inFlight.size(),
                                this.dropped + droppedNow, message.id());
                        break;
                    }
                    droppedNow++;
                    if (this.overflow.strategy() == OverflowStrategy.DROP_NEWEST) {
                        request.dropped.add(message);
                        this.overflowLog.dropped("new", this.overflow, message.id(), this.dropped + droppedNow);
                        continue;
                    }
                    if (victims == null) {
                        victims = new OldestFirstVictims(this.requeued, this.readAhead, this.writer);
                    }
                    OutboundMessage victim = victims.next(inserts);
                    request.dropped.add(victim);
                    this.overflowLog.dropped("oldest", this.overflow, victim.id(), this.dropped + droppedNow);
                    queued--;
                }
                inserts.add(new QueuedMessage(sequence++, message));
                queued++;
            }
        }
        // Sequences are taken now: an offer in a caller's transaction may run while this batch writes.
        this.nextSequence = sequence;
        this.offersInWrite = !inserts.isEmpty();
        // Every acknowledged row rides this commit (the acks themselves returned already, when deferred).
        List<Long> acked = this.acknowledged.takeForCommit();
        return (victims == null)
                ? new Plan(inserts, journaledRows, List.of(), List.of(), acked, droppedNow, firstSequence, sequence)
                : new Plan(inserts, journaledRows, victims.persisted, victims.requeued, acked, droppedNow,
                        firstSequence, sequence);
    }

    /** Writes the plan in one transaction; returns the failure instead of throwing. */
    private @Nullable RuntimeException write(Plan plan) {
        List<Long> deletes = plan.acked(); // ascending, each once
        if (plan.hasVictims()) {
            TreeSet<Long> all = new TreeSet<>(plan.requeuedVictims());
            plan.persistedVictims().forEach(v -> all.add(v.sequence()));
            all.addAll(plan.acked());
            deletes = new ArrayList<>(all);
        }
        try {
            this.writer.commit(plan.journaled().isEmpty() ? plan.inserts() : concat(plan.journaled(), plan.inserts()),
                    deletes);
            return null;
        }
        catch (RuntimeException ex) {
            if (ex instanceof DuplicateKeyException) {
                return new IllegalStateException("Outbound queue " + this.queueName + " found its next sequence "
                        + "already used: another process writes the same queue name (give each instance its own)",
                        ex);
            }
            return ex;
        }
    }

    private static List<QueuedMessage> concat(List<QueuedMessage> first, List<QueuedMessage> second) {
        List<QueuedMessage> all = new ArrayList<>(first.size() + second.size());
        all.addAll(first);
        all.addAll(second);
        return all;
    }

    private void apply(List<GroupCommit.Request> batch, Plan plan, @Nullable RuntimeException failure) {
        this.offersInWrite = false;
        if (this.journaled != null) {
            // Released before the acknowledgement journal: a kill in between must not insert again at the next open
            // a row this commit inserted and deleted. A failed commit leaves the rows first for the next one.
            this.journaled.written(plan.journaled(), failure != null);
            this.commitFailing = failure != null;
        }
        // A failed commit leaves the acknowledged rows in the table: their delete goes with the next commit.
        this.acknowledged.written(plan.acked(), failure != null);
        if (failure != null) {
            if (this.nextSequence == plan.nextSequence()) {
                this.nextSequence = plan.firstSequence(); // nobody took a sequence meanwhile: no gap
            }
            for (GroupCommit.Request request : batch) {
                request.fail(failure);
            }
            return;
        }
        List<QueuedMessage> inserts = plan.inserts();
        if (!inserts.isEmpty() || plan.hasVictims()) {
            this.offerTransactions++;
        }
        plan.requeuedVictims().forEach(this.requeued::remove);
        this.readAhead.removeAll(plan.persistedVictims());
        this.readAhead.committed(inserts);
        this.count += inserts.size() - plan.requeuedVictims().size() - plan.persistedVictims().size();
        this.dropped += plan.droppedNow();
    }

    /**
     * Transactional outbox: the caller runs a Spring transaction on this queue's DataSource (its own business
     * data in the same database), so the rows are written in that transaction and become deliverable only when
     * it commits; a rollback leaves no message behind. Outside the group commit, since one caller's transaction
     * must not carry other callers' messages.
     *
     * <p>The bound is checked with the caller's rows counted as soon as they are written. Inside a caller's
     * transaction {@link OverflowStrategy#DROP_OLDEST} drops the new message instead: removing an older row in a
     * transaction that may still roll back would race the dispatcher that is sending it.
     */
    private void offerInCallerTransaction(List<OutboundMessage> messages) {
        List<QueuedMessage> rows = new ArrayList<>(messages.size());
        List<OutboundMessage> droppedNow = new ArrayList<>(0);
        this.lock.lock();
        try {
            checkOpen();
            int queued = this.count - this.inFlight.size();
            for (OutboundMessage message : messages) {
                if (this.overflow.isFull(queued)) {
                    if (this.overflow.strategy() == OverflowStrategy.RAISE_EXCEPTION) {
                        // Refuse the whole call: the caller's transaction decides what happens to its data.
                        rows.forEach(r -> this.uncommitted.remove(r.sequence()));
                        throw new QueueFullException(this.count, this.dropped, message.id());
                    }
                    this.dropped++;
                    droppedNow.add(message);
                    this.overflowLog.dropped("new", this.overflow, message.id(), this.dropped);
                    continue;
                }
                QueuedMessage row = new QueuedMessage(this.nextSequence++, message);
                rows.add(row);
                this.uncommitted.add(row.sequence());
                queued++;
            }
            this.count += rows.size();
        }
        finally {
            this.lock.unlock();
        }
        try {
            this.writer.insertRows(rows);
        }
        catch (RuntimeException ex) {
            forgetUncommitted(rows, false);
            throw ex;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCompletion(int status) {
                forgetUncommitted(rows, status == STATUS_COMMITTED);
                if (status == STATUS_COMMITTED) {
                    JdbcOutboundQueue.this.arrivalListeners.forEach(Runnable::run);
                }
            }
        });
        droppedNow.forEach(this::notifyDropped);
    }

    private void forgetUncommitted(List<QueuedMessage> rows, boolean committed) {
        this.lock.lock();
        try {
            for (QueuedMessage row : rows) {
                boolean unseen = this.uncommitted.remove(row.sequence());
                if (committed && unseen && this.readAhead.lateCommitBehindCursor(row.sequence())) {
                    // poll moved past this sequence while the row was invisible: hand it out at its place.
                    this.requeued.put(row.sequence(), row);
                }
            }
            if (!committed) {
                this.count -= rows.size();
            }
        }
        finally {
            this.lock.unlock();
        }
    }

    // ---- consumer side (the dispatcher thread) -------------------------------------------------------------

    @Override
    public List<QueuedMessage> poll(int max) {
        if (max <= 0) {
            return List.of();
        }
        List<QueuedMessage> taken = new ArrayList<>(Math.min(max, 256));
        if (!pollInto(taken, max, false)) {
            // The rows after the read-ahead are on disk, and journaled ones are not yet: insert them first. Once:
            // offers that come meanwhile are read by a later poll, so a busy producer cannot keep this one here.
            try {
                commitAcknowledged();
            }
            catch (RuntimeException ex) {
                // Still journaled; the background commit tries again and reports the failure.
                return taken;
            }
            pollInto(taken, max, true);
        }
        return taken;
    }

    /**
     * Takes up to {@code max}; false, when not {@code readAnyway}, when it needs the journaled offers committed
     * before it reads on from disk.
     */
    private boolean pollInto(List<QueuedMessage> taken, int max, boolean readAnyway) {
        this.lock.lock();
        try {
            checkOpen();
            int before = taken.size();
            boolean readOn = true;
            while (taken.size() < max && !this.requeued.isEmpty()) {
                taken.add(this.requeued.pollFirstEntry().getValue());
            }
            while (true) {
                this.readAhead.takeInto(taken, max);
                int queuedUnread = this.count - this.inFlight.size() - this.requeued.size() - (taken.size() - before);
                if (taken.size() < max && queuedUnread > 0 && !this.readAhead.isComplete()) {
                    if (this.writing) {
                        // Reading while a batch commits could see its rows before they are applied here.
                        this.written.awaitUninterruptibly();
                        continue;
                    }
                    boolean moreToCome = this.journaled != null && this.journaled.hasPending();
                    if (moreToCome && !readAnyway) {
                        readOn = false;
                        break;
                    }
                    this.readAhead.readPage(this.writer, taken, max, queuedUnread, this.uncommitted, moreToCome);
                }
                break;
            }
            for (int i = before; i < taken.size(); i++) {
                this.inFlight.put(taken.get(i).sequence(), taken.get(i));
            }
            return readOn;
        }
        finally {
            this.lock.unlock();
        }
    }

    /**
     * Forgets the rows at once and commits their delete before returning; with deferred deletes, leaves it to
     * the next commit instead (an offer's, or the flusher's after {@link #ACK_FLUSH_DELAY}) and waits for that
     * commit only when {@link #ACK_PENDING_MAX} deletes are pending. A row not in flight (already acknowledged,
     * requeued) is ignored.
     */
    @Override
    public void ack(Collection<QueuedMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        boolean commitNow;
        this.lock.lock();
        try {
            checkOpen();
            int forgotten = 0;
            for (QueuedMessage message : messages) {
                QueuedMessage held = this.inFlight.remove(message.sequence());
                if (held != null) {
                    this.acknowledged.add(held);
                    forgotten++;
                }
            }
            if (forgotten == 0) {
                return;
            }
            this.count -= forgotten;
            commitNow = this.acknowledged.mustCommitNow();
        }
        finally {
            this.lock.unlock();
        }
        if (commitNow) {
            // By default, and at the bound of deferred deletes: what a crash sends again stays bounded.
            commitAcknowledged();
        }
    }

    /** Commits the deletes of every row acknowledged so far (with whatever offers are waiting). */
    void commitAcknowledged() {
        GroupCommit.Request request = GroupCommit.Request.ack(List.of());
        this.groupCommit.submit(request);
        if (request.failure != null) {
            throw request.failure;
        }
    }

    /** Defers the deletes of acknowledged rows ({@link #ACK_FLUSH_DELAY}), or commits them in {@link #ack}. */
    void deferDeletes(boolean defer) {
        ackFlushDelay(defer ? ACK_FLUSH_DELAY : Duration.ofNanos(-1));
    }

    /** How long an acknowledged row may wait for its delete when no offer comes; negative: not at all. */
    void ackFlushDelay(Duration delay) {
        this.lock.lock();
        try {
            this.acknowledged.flushDelay(delay);
        }
        finally {
            this.lock.unlock();
        }
    }

    /** Acknowledged rows whose delete is not committed yet. */
    int pendingDeletes() {
        this.lock.lock();
        try {
            return this.acknowledged.count();
        }
        finally {
            this.lock.unlock();
        }
    }

    @Override
    public void requeue(Collection<QueuedMessage> messages) {
        this.lock.lock();
        try {
            for (QueuedMessage message : messages) {
                QueuedMessage held = this.inFlight.remove(message.sequence());
                if (held != null) {
                    this.requeued.put(held.sequence(), held);
                }
            }
        }
        finally {
            this.lock.unlock();
        }
    }

    // ---- state ---------------------------------------------------------------------------------------------

    /** Without the lock: a metrics scrape never waits for a commit's fsync. */
    @Override
    public int size() {
        return this.count;
    }

    @Override
    public long droppedCount() {
        return this.dropped;
    }

    @Override
    public boolean isDurable() {
        return true;
    }

    @Override
    public void addDropListener(DropListener listener) {
        this.dropListeners.add(listener);
    }

    @Override
    public void addArrivalListener(Runnable listener) {
        this.arrivalListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** How many transactions offers needed so far; below the number of offers when producers overlap. */
    public long offerTransactions() {
        this.lock.lock();
        try {
            return this.offerTransactions;
        }
        finally {
            this.lock.unlock();
        }
    }

    public String getQueueName() {
        return this.queueName;
    }

    /**
     * Commits the deletes of acknowledged rows, forgets in-flight marks (rows stay) and releases the queue name;
     * further use fails. The store's DataSource stays open.
     */
    @Override
    public void close() {
        close(true);
    }

    /**
     * For tests: closes as a crash would leave the file and the journal, without committing the deletes of
     * acknowledged rows (the next open deletes those the journal names and sends the others again).
     */
    void closeWithoutCommittingAcknowledged() {
        close(false);
    }

    private void close(boolean commitAcknowledged) {
        this.lock.lock();
        try {
            if (this.closed) {
                return;
            }
            this.closed = true;
            this.background.close();
            // No commit starts once closed; one writing without the lock finishes first.
            while (this.writing) {
                this.written.awaitUninterruptibly();
            }
            List<Long> left = this.acknowledged.takeForCommit();
            List<QueuedMessage> unwritten = (this.journaled != null) ? this.journaled.takeForCommit() : List.of();
            if (commitAcknowledged) {
                boolean failed = false;
                try {
                    this.writer.commit(unwritten, left);
                }
                catch (RuntimeException ex) {
                    failed = true;
                    logger.warn("Could not commit queue {} on close ({} acknowledged messages to delete, {} accepted "
                            + "messages to insert); the next start does it or, without a journal, sends the "
                            + "acknowledged ones again: {}", this.queueName, left.size(), unwritten.size(),
                            ex.toString());
                }
                if (this.journaled != null) {
                    this.journaled.written(unwritten, failed); // first, as in apply
                }
                this.acknowledged.written(left, failed);
            }
            this.writer.close();
        }
        finally {
            this.lock.unlock();
        }
        this.onClose.run();
    }

    private void checkOpen() {
        if (this.closed) {
            throw new IllegalStateException("Outbound queue " + this.queueName + " is closed");
        }
    }

    private void notifyDropped(OutboundMessage message) {
        this.dropListeners.dropped(message);
    }

    @Override
    public String toString() {
        return "JdbcOutboundQueue[" + this.queueName + ", maxSize=" + this.overflow.maxSize() + ", overflow="
                + this.overflow.strategy() + "]";
    }

}
