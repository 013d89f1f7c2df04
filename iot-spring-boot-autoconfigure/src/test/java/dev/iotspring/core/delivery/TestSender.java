package dev.iotspring.core.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.iotspring.core.queue.OutboundMessage;

import static org.awaitility.Awaitility.await;

/**
 * A sender whose acknowledgements the test gives on command: every send waits in {@link #next()} until the test
 * acks or fails it. Records every attempt and the most sends outstanding at once.
 */
class TestSender implements MessageSender {

    volatile boolean ready = true;

    final BlockingQueue<Pending> pending = new LinkedBlockingQueue<>();

    /** Every send ever made, taken by {@link #next()} or not: what {@link #stopAcknowledgingAll} completes. */
    private final List<Pending> sent = Collections.synchronizedList(new ArrayList<>());

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
        Pending pending = new Pending(message, future, this.outstanding);
        this.sent.add(pending);
        this.pending.add(pending);
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

    /**
     * Stops the dispatcher and waits for the end of its drain, acknowledging every send, including the ones the
     * drain itself makes. A test's teardown must not leave a drain running into the next test: it would log its
     * losses there, seconds later.
     */
    void stopAcknowledgingAll(Dispatcher dispatcher) {
        CountDownLatch stopped = new CountDownLatch(1);
        dispatcher.stop(stopped::countDown);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> {
            synchronized (this.sent) {
                this.sent.forEach(Pending::ack);
            }
            return stopped.getCount() == 0;
        });
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
