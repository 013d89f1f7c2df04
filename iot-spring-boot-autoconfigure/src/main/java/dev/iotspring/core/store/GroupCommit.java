package dev.iotspring.core.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.queue.OutboundMessage;

/**
 * Gathers the writes of concurrent callers into shared transactions (leader/follower group commit). A caller
 * queues its request; the first caller to find no commit running becomes the leader, takes every request
 * waiting at that moment, commits them in one transaction (one fsync), marks each done and wakes its caller.
 * The others sleep on their own request, not on a lock: a caller whose write is committed wakes up without
 * queueing for anything, and the next leader's batch is every request that arrived during the previous commit.
 * When a leader is done it wakes the oldest waiting caller to lead the next batch.
 *
 * <p><b>Gathering.</b> The callers a commit just woke are usually about to offer again, but a new leader starts at
 * once, so with several producers the batches settled into two groups taking turns (5 and 3 of 8 producers, every
 * other commit). A leader therefore waits, before it takes its batch, for as many offering callers as the last
 * commit carried plus those that waited during it, but never longer than a quarter of the last commit's time
 * ({@link #GATHER_SHARE}, at most {@link #GATHER_MAX}): where a commit costs an fsync of a millisecond the wait
 * lets the whole group share it; on a fast disk it is a few microseconds. A caller alone (one producer, with or
 * without the dispatcher's acknowledgements) never waits: acknowledgements are not counted. The leader parks while
 * it waits; the offer that completes its group wakes it.
 *
 * <p>Each caller returns only once its own request is done: committed, or failed with the failure of the batch
 * it was in (and only that batch).
 */
final class GroupCommit {

    /** Longest a leader waits for its group, whatever the last commit took (a checkpoint can take seconds). */
    static final Duration GATHER_MAX = Duration.ofMillis(2);

    /** The share of the last commit's time a leader may wait for its group: a wait that finds nobody costs 20 %. */
    static final double GATHER_SHARE = 0.25;

    private final ConcurrentLinkedQueue<Request> waiting = new ConcurrentLinkedQueue<>();

    /** Offering requests in {@link #waiting} (acknowledgements are not counted). */
    private final AtomicInteger waitingOffers = new AtomicInteger();

    private final AtomicBoolean leading = new AtomicBoolean();

    /** Offering callers the next leader waits for: the last commit's plus those that waited during it. */
    private volatile int expectedOffers;

    /** How long the last commit took. */
    private volatile long lastCommitNanos;

    private volatile double gatherShare = GATHER_SHARE;

    private volatile long gatherMaxNanos = GATHER_MAX.toNanos();

    /** The leader waiting for its group, woken by the offer that completes it. */
    private volatile @Nullable Thread gatherer;

    /** Leaders that waited for their group (for tests). */
    private final AtomicInteger gathers = new AtomicInteger();

    /** Commits one batch; reports a failure per request ({@link Request#failure}) or throws for all of them. */
    private final Consumer<List<Request>> committer;

    GroupCommit(Consumer<List<Request>> committer) {
        this.committer = committer;
    }

    /**
     * Returns once the request is committed or failed. Not interruptible: the write may already be in a
     * transaction, so the caller waits for its outcome; an interrupt is kept for the caller to see afterwards.
     */
    void submit(Request request) {
        this.waiting.add(request);
        if (!request.inserts.isEmpty()) {
            int offers = this.waitingOffers.incrementAndGet();
            Thread leader = this.gatherer;
            if (leader != null && offers >= this.expectedOffers) {
                LockSupport.unpark(leader);
            }
        }
        boolean interrupted = false;
        while (!request.done) {
            if (this.leading.compareAndSet(false, true)) {
                try {
                    if (!request.done) {
                        lead();
                    }
                }
                finally {
                    this.leading.set(false);
                    handOff();
                }
            }
            else {
                LockSupport.park(this);
                // park returns at once while the flag is set: clear it, restore it at the end.
                interrupted |= Thread.interrupted();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Requests waiting for the next commit (for tests that arrange a batch). */
    int waitingRequests() {
        return this.waiting.size();
    }

    /** How many leaders waited for their group so far (for tests). */
    int gathers() {
        return this.gathers.get();
    }

    /** How long a leader may wait for its group (tests lengthen it so that a group forms whatever the machine). */
    void gatherLimits(double shareOfLastCommit, Duration max) {
        this.gatherShare = shareOfLastCommit;
        this.gatherMaxNanos = max.toNanos();
    }

    private void lead() {
        gather();
        List<Request> batch = new ArrayList<>();
        int offers = 0;
        Request next;
        while ((next = this.waiting.poll()) != null) {
            batch.add(next);
            if (!next.inserts.isEmpty()) {
                offers++;
                this.waitingOffers.decrementAndGet();
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        try {
            this.committer.accept(batch);
        }
        catch (RuntimeException | Error ex) {
            RuntimeException failure = (ex instanceof RuntimeException runtime) ? runtime
                    : new IllegalStateException("The group commit failed", ex);
            for (Request request : batch) {
                if (request.failure == null) {
                    request.failure = failure;
                }
            }
            if (ex instanceof Error error) {
                complete(batch);
                throw error;
            }
        }
        this.lastCommitNanos = System.nanoTime() - started;
        this.expectedOffers = offers + this.waitingOffers.get();
        complete(batch);
    }

    /**
     * Waits until as many offering callers wait as the last commit expects, or a quarter of that commit's time has
     * passed. An interrupt ends the wait (and stays set for the caller).
     */
    private void gather() {
        int expected = this.expectedOffers;
        if (expected < 2 || this.waitingOffers.get() >= expected) {
            return;
        }
        long delay = (long) Math.min(this.lastCommitNanos * this.gatherShare, this.gatherMaxNanos);
        if (delay <= 0) {
            return;
        }
        long deadline = System.nanoTime() + delay;
        this.gathers.incrementAndGet();
        this.gatherer = Thread.currentThread();
        try {
            long left;
            while (this.waitingOffers.get() < expected && (left = deadline - System.nanoTime()) > 0) {
                LockSupport.parkNanos(this, left);
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
            }
        }
        finally {
            this.gatherer = null;
        }
    }

    private static void complete(List<Request> batch) {
        Thread self = Thread.currentThread();
        for (Request request : batch) {
            request.done = true;
            if (request.caller != self) {
                LockSupport.unpark(request.caller);
            }
        }
    }

    /** The next batch is led by the oldest waiting caller (or by whoever arrives first). */
    private void handOff() {
        Request next = this.waiting.peek();
        if (next != null) {
            LockSupport.unpark(next.caller);
        }
    }

    /** Messages to insert and/or acknowledged rows to delete, from one caller. */
    static final class Request {

        final List<OutboundMessage> inserts;

        final List<Long> deletes;

        final Thread caller = Thread.currentThread();

        /** Messages the overflow rule dropped for this request (the caller tells the drop listeners). */
        final List<OutboundMessage> dropped = new ArrayList<>(0);

        /** Written before {@link #done}, read after it. */
        @Nullable RuntimeException failure;

        volatile boolean done;

        private Request(List<OutboundMessage> inserts, List<Long> deletes) {
            this.inserts = inserts;
            this.deletes = deletes;
        }

        static Request offer(List<OutboundMessage> messages) {
            return new Request(messages, List.of());
        }

        static Request ack(List<Long> sequences) {
            return new Request(List.of(), sequences);
        }

        void fail(RuntimeException ex) {
            this.dropped.clear();
            this.failure = ex;
        }
    }
}
