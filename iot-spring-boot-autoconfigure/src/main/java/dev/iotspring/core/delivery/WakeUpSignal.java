package dev.iotspring.core.delivery;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How a {@link Dispatcher}'s thread sleeps and is woken: any thread may {@link #wakeUp()} it, cheaply while it is
 * running, and no wake-up is lost between the dispatcher's last look at its state and its sleep.
 */
final class WakeUpSignal {

    private final ReentrantLock lock = new ReentrantLock();

    private final Condition signal = this.lock.newCondition();

    /** Something changed since the dispatcher last looked; set by {@link #wakeUp()} from any thread. */
    private final AtomicBoolean signalled = new AtomicBoolean();

    /** The dispatcher thread is (about to be) waiting on {@link #signal}. */
    private volatile boolean parked;

    /** Any thread: something changed. */
    void wakeUp() {
        this.signalled.set(true);
        // Only a parked dispatcher needs the lock and a signal; one that is running sees the flag before it
        // parks (both fields are volatile: the waker writes signalled then reads parked, the dispatcher writes
        // parked then reads signalled, so at least one of them sees the other's write). This keeps a send and an
        // acknowledgement from paying a lock and a thread wake-up each while the dispatcher is busy anyway.
        if (this.parked) {
            this.lock.lock();
            try {
                this.signal.signalAll();
            }
            finally {
                this.lock.unlock();
            }
        }
    }

    /** The dispatcher thread, before it looks at its state: a wake-up from now on ends the next {@link #await}. */
    void consume() {
        this.signalled.getAndSet(false);
    }

    /** The dispatcher thread: sleeps until woken (since the last {@link #consume()}) or {@code nanos} passed. */
    void await(long nanos) throws InterruptedException {
        this.lock.lock();
        try {
            this.parked = true;
            long remaining = nanos;
            while (!this.signalled.get() && remaining > 0) {
                remaining = this.signal.awaitNanos(remaining);
            }
        }
        finally {
            this.parked = false;
            this.lock.unlock();
        }
    }
}
