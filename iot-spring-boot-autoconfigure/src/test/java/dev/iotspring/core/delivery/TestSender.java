package dev.iotspring.core.delivery;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.iotspring.core.queue.OutboundMessage;

/**
 * A sender whose acknowledgements the test gives on command: every send waits in {@link #next()} until the test
 * acks or fails it. Records every attempt and the most sends outstanding at once.
 */
class TestSender implements MessageSender {

    volatile boolean ready = true;

    final BlockingQueue<Pending> pending = new LinkedBlockingQueue<>();

    final List<String> attempts = Collections.synchronizedList(new ArrayList<>());

    final AtomicInteger outstanding = new AtomicInteger();

    final AtomicInteger maxOutstanding = new AtomicInteger();

    /** How often the dispatcher asked {@link #isReady()}: it looked at the queue that many times. */
    final AtomicInteger readyChecks = new AtomicInteger();

    @Override
    public CompletableFuture<Void> send(OutboundMessage message) {
        this.attempts.add(message.id());
        int now = this.outstanding.incrementAndGet();
        this.maxOutstanding.accumulateAndGet(now, Math::max);
        CompletableFuture<Void> future = new CompletableFuture<>();
        this.pending.add(new Pending(message, future, this.outstanding));
        return future;
    }

    @Override
    public boolean isReady() {
        this.readyChecks.incrementAndGet();
        return this.ready;
    }

    /** The next send the dispatcher made, waiting up to 30 s for it. */
    Pending next() throws InterruptedException {
        Pending next = this.pending.poll(30, TimeUnit.SECONDS);
        if (next == null) {
            throw new AssertionError("no send within 30 s; attempts so far: " + this.attempts);
        }
        return next;
    }

    List<String> attempts() {
        synchronized (this.attempts) {
            return new ArrayList<>(this.attempts);
        }
    }

    /** One send; counted outstanding until the test completes it (before the dispatcher can see it). */
    record Pending(OutboundMessage message, CompletableFuture<Void> future, AtomicInteger outstanding) {

        String id() {
            return this.message.id();
        }

        void ack() {
            if (!this.future.isDone()) {
                this.outstanding.decrementAndGet();
                this.future.complete(null);
            }
        }

        void fail(Throwable ex) {
            if (!this.future.isDone()) {
                this.outstanding.decrementAndGet();
                this.future.completeExceptionally(ex);
            }
        }
    }
}
