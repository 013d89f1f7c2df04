package dev.iotspring.core.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * <p>Each caller returns only once its own request is done: committed, or failed with the failure of the batch
 * it was in (and only that batch).
 */
final class GroupCommit {

    private final ConcurrentLinkedQueue<Request> waiting = new ConcurrentLinkedQueue<>();

    private final AtomicBoolean leading = new AtomicBoolean();

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

    private void lead() {
        List<Request> batch = new ArrayList<>();
        Request next;
        while ((next = this.waiting.poll()) != null) {
            batch.add(next);
        }
        if (batch.isEmpty()) {
            return;
        }
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
        complete(batch);
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
