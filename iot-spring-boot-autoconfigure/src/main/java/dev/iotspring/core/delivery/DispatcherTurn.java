package dev.iotspring.core.delivery;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Who takes a {@link Dispatcher}'s turn (settling outcomes, then dispatching): one thread at a time, under a lock.
 * A thread that queues a message or reports an outcome calls {@link #workArrived()} and takes the turn itself
 * when it is free; when it is taken, the work is left to the holder, which reads {@link #workPending()} after its
 * unlock. No work is lost: the flag is written before the {@code tryLock} and read after the holder's unlock, so a
 * failed {@code tryLock} is always followed by the holder's read. The dispatcher's own thread takes turns with
 * {@link #lockForDispatcherThread()}.
 */
final class DispatcherTurn {

    /**
     * Turns one thread takes in a row for work others left to it before it hands the rest to the dispatcher's
     * thread: a producer or the client library's callback thread is never kept indefinitely by a busy queue.
     */
    private static final int INLINE_TURNS = 4;

    private final ReentrantLock lock = new ReentrantLock();

    /** An outcome or a message arrived that no turn has taken yet. */
    private volatile boolean workPending;

    /** One turn on the calling thread, under the lock; false when the dispatcher's thread must take over. */
    private final BooleanSupplier inlineTurn;

    /** Wakes the dispatcher's thread. */
    private final Runnable handOver;

    DispatcherTurn(BooleanSupplier inlineTurn, Runnable handOver) {
        this.inlineTurn = inlineTurn;
        this.handOver = handOver;
    }

    /** Any thread: takes the turn when it is free, else leaves the work to the holder. */
    void workArrived() {
        this.workPending = true;
        if (this.lock.isHeldByCurrentThread()) {
            // From within a turn (a listener sending, a future completed at once): taken after it, not re-entered.
            return;
        }
        for (int turns = 0; turns < INLINE_TURNS; turns++) {
            if (!this.workPending || !this.lock.tryLock()) {
                return; // nothing left, or the holder reads workPending after its unlock
            }
            boolean plain;
            try {
                this.workPending = false;
                plain = this.inlineTurn.getAsBoolean();
                if (!plain) {
                    this.workPending = true; // for the dispatcher's thread
                }
            }
            finally {
                this.lock.unlock();
            }
            if (!plain) {
                this.handOver.run();
                return;
            }
        }
        if (this.workPending) {
            this.handOver.run();
        }
    }

    /** The dispatcher's thread, before its turn: this turn takes whatever work is pending. */
    void lockForDispatcherThread() throws InterruptedException {
        this.lock.lockInterruptibly();
        this.workPending = false;
    }

    /** Start and stop: settle nothing, but exclude every turn. */
    void lock() {
        this.lock.lock();
    }

    void unlock() {
        this.lock.unlock();
    }

    /** After the dispatcher thread's unlock: work was left while it held the turn, so it goes on at once. */
    boolean workPending() {
        return this.workPending;
    }
}
