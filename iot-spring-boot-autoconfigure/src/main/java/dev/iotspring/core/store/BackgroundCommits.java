package dev.iotspring.core.store;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread of a {@link JdbcOutboundQueue} ({@code iot-outbox-<name>-commits}) that commits what no caller waits
 * for: the deletes of acknowledged rows once the oldest is due, and the inserts of offers taken into the
 * {@link IntakeJournal} at once. Started on first need; guarded by the queue's lock.
 */
final class BackgroundCommits {

    private static final Logger logger = LoggerFactory.getLogger(JdbcOutboundQueue.class);

    /** After a failed commit, the next try waits this long (the disk may be full). */
    static final Duration PAUSE_AFTER_FAILURE = Duration.ofSeconds(1);

    private final ReentrantLock lock;

    private final Condition changed;

    private final String queueName;

    /** Under the lock: nanoseconds until something is due, {@link Long#MAX_VALUE} when nothing waits. */
    private final LongSupplier nanosUntilDue;

    /** Commits what is due (the queue's group commit); throws what the commit threw. */
    private final Runnable commit;

    private @Nullable Thread thread;

    private boolean closed;

    BackgroundCommits(ReentrantLock lock, String queueName, LongSupplier nanosUntilDue, Runnable commit) {
        this.lock = lock;
        this.changed = lock.newCondition();
        this.queueName = queueName;
        this.nanosUntilDue = nanosUntilDue;
        this.commit = commit;
    }

    /** Under the lock: something became due sooner; starts the thread on first use. */
    void changed() {
        if (this.thread == null && !this.closed) {
            Thread started = new Thread(this::loop, "iot-outbox-" + this.queueName + "-commits");
            started.setDaemon(true);
            this.thread = started;
            started.start();
        }
        this.changed.signalAll();
    }

    /** Under the lock: ends the thread (the queue commits what is left itself). */
    void close() {
        this.closed = true;
        this.changed.signalAll();
    }

    private void loop() {
        while (true) {
            this.lock.lock();
            try {
                long wait;
                while (!this.closed && (wait = this.nanosUntilDue.getAsLong()) > 0) {
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
                    return; // close committed what was left
                }
                // Kept for the next commit: acknowledged rows are only sent again, and journaled offers only wait.
                logger.warn("Could not commit queue {} in the background: {}", this.queueName, ex.toString());
                pauseAfterFailure();
            }
        }
    }

    private void pauseAfterFailure() {
        this.lock.lock();
        try {
            // Not cut short by new work: a failing disk is tried again once per pause, not once per offer.
            long left = PAUSE_AFTER_FAILURE.toNanos();
            while (!this.closed && left > 0) {
                left = this.changed.awaitNanos(left);
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
