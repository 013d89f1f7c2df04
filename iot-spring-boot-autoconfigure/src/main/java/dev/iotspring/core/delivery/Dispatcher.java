package dev.iotspring.core.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.iotspring.core.lifecycle.IotLifecyclePhases;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.QueueFullException;
import dev.iotspring.core.queue.QueuedMessage;

/**
 * Moves messages from an {@link OutboundQueue} to a {@link MessageSender}, one platform each.
 *
 * <ul>
 * <li>At most {@code window} messages are in flight (handed to the sender, not acknowledged).</li>
 * <li>A message leaves the queue only when the sender's future completes, i.e. on the broker's ack.</li>
 * <li>When an in-flight message fails, it and every message sent after it go back to their places in the queue
 * (so the queue order holds on the wire, at the price of duplicates bounded by the window; a later message whose
 * acknowledgement was already processed is not sent again), and sending pauses
 * with exponential backoff; the pause ends early when the sender reported not ready and is ready again (a
 * reconnect, whose own backoff already spaced the attempts). A {@link MessageRejectedException} is final
 * instead: that message is removed and reported failed, the others go on.</li>
 * <li>While the sender is not ready, the dispatcher sleeps until {@link #wakeUp()} (platforms call it from
 * their connection listeners) or a readiness re-check interval passes; {@link #send} wakes it too.</li>
 * <li>As a {@link SmartLifecycle} at phase {@link IotLifecyclePhases#DELIVERY}: {@link #send} is accepted
 * until the drain starts and fails with {@link DeliveryClosedException} afterwards; the drain runs for up to
 * {@code drainTimeout}; what is left in a durable queue stays there for the next start, an in-memory queue logs
 * how many messages it lost.</li>
 * </ul>
 *
 * <p>One thread per dispatcher does all queue work (poll, ack, requeue), so a durable queue's acks are batched
 * off the client library's callback threads.
 */
public class Dispatcher implements SmartLifecycle, AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(Dispatcher.class);

    /** Lifecycle of a dispatcher. */
    public enum State {

        /** Created; sends are queued, nothing is delivered yet. */
        NEW,

        /** Delivering. */
        RUNNING,

        /** Stopping: sends are refused, queued messages are delivered until the drain timeout. */
        DRAINING,

        /** Stopped; sends are refused. */
        STOPPED
    }

    private final String platform;

    private final OutboundQueue queue;

    private final MessageSender sender;

    private final int window;

    private final RetryBackoff backoff;

    private final Duration drainTimeout;

    private final Duration readinessRecheck;

    private final Predicate<Throwable> permanentFailure;

    private final int phase;

    private final List<DeliveryListener> listeners = new CopyOnWriteArrayList<>();

    private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();

    // Owned by the dispatcher thread; insertion order is send order.
    private final LinkedHashMap<Long, InFlight> inFlight = new LinkedHashMap<>();

    private final ReentrantLock lock = new ReentrantLock();

    private final Condition signal = this.lock.newCondition();

    private boolean signalled;

    private volatile State state = State.NEW;

    private volatile long drainDeadline;

    private volatile @Nullable Runnable drainCallback;

    private @Nullable Thread thread;

    private final AtomicLong sent = new AtomicLong();

    private final AtomicLong failed = new AtomicLong();

    private final AtomicLong lost = new AtomicLong();

    private final AtomicLong retries = new AtomicLong();

    private final AtomicLong expired = new AtomicLong();

    /** Futures handed out by sendAsync, by message id. */
    private final ConcurrentHashMap<String, CompletableFuture<Void>> futures = new ConcurrentHashMap<>();

    private final Object drainedMonitor = new Object();

    private volatile int inFlightCount;

    private volatile @Nullable Instant lastAck;

    private long pausedUntil;

    private int consecutiveFailures;

    private boolean waitedForReadiness;

    protected Dispatcher(Builder builder) {
        this.platform = builder.platform;
        this.queue = builder.queue;
        this.sender = builder.sender;
        this.window = builder.window;
        this.backoff = builder.backoff;
        this.drainTimeout = builder.drainTimeout;
        this.readinessRecheck = builder.readinessRecheck;
        this.permanentFailure = builder.permanentFailure;
        this.phase = builder.phase;
        this.listeners.add(new FutureCompleter());
        this.listeners.addAll(builder.listeners);
        this.queue.addArrivalListener(this::wakeUp);
        this.queue.addDropListener(message -> {
            for (DeliveryListener listener : this.listeners) {
                safely(() -> listener.onDropped(message), message);
            }
        });
    }

    public static Builder builder(String platform, OutboundQueue queue, MessageSender sender) {
        return new Builder(platform, queue, sender);
    }

    // ---- sending side --------------------------------------------------------------------------------------

    /**
     * Queues a message for delivery and wakes the dispatcher. Accepted before {@link #start()} too.
     * @throws DeliveryClosedException once the drain has started
     * @throws QueueFullException when the queue is full and refuses
     */
    public void send(OutboundMessage message) {
        checkAccepting(message.id());
        this.queue.offer(message);
        wakeUp();
    }

    /**
     * Queues a message and returns a future completed when the broker acknowledged it, or failed with
     * {@link MessageRejectedException} (the server refused it), {@link MessageDroppedException} (overflow or
     * expiry), {@link DeliveryClosedException} (shutdown came first; a durable queue still holds it for the next
     * start) or the exception that kept it from being queued ({@link QueueFullException}). Never throws.
     *
     * <p>The future completes on the dispatcher's thread: chain blocking work with the {@code *Async} methods.
     * Messages are matched by id; sending the same id again while it is pending shares the first future.
     */
    public CompletableFuture<Void> sendAsync(OutboundMessage message) {
        CompletableFuture<Void> future = this.futures.computeIfAbsent(message.id(), id -> new CompletableFuture<>());
        try {
            send(message);
        }
        catch (RuntimeException ex) {
            this.futures.remove(message.id(), future);
            future.completeExceptionally(ex);
        }
        return future;
    }

    /**
     * Waits until every accepted message was acknowledged (or dropped), e.g. before a batch job ends; messages
     * queued meanwhile by other threads are waited for too.
     * @return whether the queue became empty within the timeout
     */
    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this.drainedMonitor) {
            while (this.queue.size() > 0) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                // Woken on every acknowledgement; the slice also covers drops that empty the queue.
                TimeUnit.NANOSECONDS.timedWait(this.drainedMonitor, Math.min(remaining, 100_000_000L));
            }
            return true;
        }
    }

    private void signalIfDrained() {
        if (this.queue.size() == 0) {
            synchronized (this.drainedMonitor) {
                this.drainedMonitor.notifyAll();
            }
        }
    }

    /** Queues several messages in order (one transaction for a durable queue) and wakes the dispatcher. */
    public void sendAll(List<OutboundMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        checkAccepting(messages.get(0).id());
        this.queue.offerAll(messages);
        wakeUp();
    }

    private void checkAccepting(String messageId) {
        State current = this.state;
        if (current == State.DRAINING || current == State.STOPPED) {
            throw new DeliveryClosedException("The " + this.platform + " client is shutting down and no longer "
                    + "accepts messages (message " + messageId + " was not queued)");
        }
    }

    /**
     * Tells the dispatcher that something changed: a message was queued, the sender became ready (call it from
     * connection listeners). Cheap and safe from any thread.
     */
    public void wakeUp() {
        this.lock.lock();
        try {
            this.signalled = true;
            this.signal.signalAll();
        }
        finally {
            this.lock.unlock();
        }
    }

    public void addListener(DeliveryListener listener) {
        this.listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public boolean removeListener(DeliveryListener listener) {
        return this.listeners.remove(listener);
    }

    // ---- observation ---------------------------------------------------------------------------------------

    public DeliveryStats stats() {
        return new DeliveryStats(this.platform, this.state, this.sender.isReady(), this.queue.isDurable(),
                this.queue.size(), this.inFlightCount, this.sent.get(), this.failed.get(), this.queue.droppedCount(),
                this.expired.get(), this.lost.get(), this.retries.get(), this.lastAck);
    }

    /** Messages acknowledged since the dispatcher was created. */
    public long sentCount() {
        return this.sent.get();
    }

    /** Messages the server rejected (not retried). */
    public long failedCount() {
        return this.failed.get();
    }

    /**
     * Messages discarded without delivery: by the queue's overflow rule, because they expired, or because an
     * in-memory queue still held them at shutdown.
     */
    public long droppedCount() {
        return this.queue.droppedCount() + this.expired.get() + this.lost.get();
    }

    public String getPlatform() {
        return this.platform;
    }

    public OutboundQueue getQueue() {
        return this.queue;
    }

    public State getState() {
        return this.state;
    }

    public int getWindow() {
        return this.window;
    }

    // ---- lifecycle -----------------------------------------------------------------------------------------

    @Override
    public synchronized void start() {
        if (this.state == State.RUNNING || this.state == State.DRAINING) {
            return;
        }
        this.state = State.RUNNING;
        this.pausedUntil = 0;
        this.consecutiveFailures = 0;
        this.waitedForReadiness = false;
        this.completions.clear(); // late outcomes of a previous run
        Thread t = new Thread(this::run, "iot-" + this.platform + "-dispatcher");
        t.setDaemon(true);
        this.thread = t;
        t.start();
    }

    @Override
    public void stop(Runnable callback) {
        Thread running;
        synchronized (this) {
            if (this.state != State.RUNNING) {
                if (this.state == State.NEW) {
                    // Never started: nothing was sent; account for what an in-memory queue loses.
                    this.state = State.STOPPED;
                    releaseAfterDrain();
                    failPendingFutures();
                }
                callback.run();
                return;
            }
            this.drainDeadline = System.nanoTime() + this.drainTimeout.toNanos();
            this.drainCallback = callback;
            this.state = State.DRAINING;
            running = this.thread;
        }
        logger.debug("Draining the {} queue ({} messages) for up to {}", this.platform, this.queue.size(),
                this.drainTimeout);
        wakeUp();
        if (running == null) {
            callback.run();
        }
    }

    /** Drains and blocks until the drain ended (at most the drain timeout plus a little). */
    @Override
    public void stop() {
        CountDownLatch done = new CountDownLatch(1);
        stop(done::countDown);
        try {
            done.await(this.drainTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public boolean isRunning() {
        State current = this.state;
        return current == State.RUNNING || current == State.DRAINING;
    }

    @Override
    public int getPhase() {
        return this.phase;
    }

    // ---- the dispatcher thread -----------------------------------------------------------------------------

    private void run() {
        try {
            while (true) {
                long waitNanos;
                try {
                    processCompletions();
                    if (this.state == State.DRAINING && (drained() || System.nanoTime() - this.drainDeadline >= 0)) {
                        break;
                    }
                    waitNanos = dispatch();
                }
                catch (RuntimeException ex) {
                    // A failing store or sender must not end delivery: back off and try again.
                    this.consecutiveFailures++;
                    Duration delay = this.backoff.delay(this.consecutiveFailures);
                    this.pausedUntil = System.nanoTime() + Math.max(1, delay.toNanos());
                    logger.warn("The {} dispatcher failed; retrying in {} ms", this.platform, delay.toMillis(), ex);
                    waitNanos = Math.max(1, delay.toNanos());
                }
                if (waitNanos > 0) {
                    await(waitNanos);
                }
            }
        }
        catch (InterruptedException ex) {
            // Only the dispatcher owns its thread; an interrupt means the JVM is going away.
            logger.debug("The {} dispatcher was interrupted", this.platform);
            Thread.currentThread().interrupt();
        }
        catch (Throwable ex) {
            logger.error("The {} dispatcher stopped unexpectedly", this.platform, ex);
        }
        finally {
            finishDrain();
        }
    }

    private boolean drained() {
        return this.inFlight.isEmpty() && this.queue.size() == 0;
    }

    private boolean senderReady() {
        try {
            return this.sender.isReady();
        }
        catch (RuntimeException ex) {
            logger.debug("The {} sender could not tell whether it is ready", this.platform, ex);
            return false;
        }
    }

    /** Sends what it can; returns how long to wait for something to change (0 to loop again at once). */
    private long dispatch() {
        long now = System.nanoTime();
        long maxWait = this.readinessRecheck.toNanos();
        if (this.state == State.DRAINING) {
            maxWait = Math.min(maxWait, Math.max(1, this.drainDeadline - now));
        }
        if (!senderReady()) {
            this.waitedForReadiness = true;
            return maxWait;
        }
        if (this.waitedForReadiness) {
            // The sender was down and is back (its own reconnect backoff spaced the attempts): resume at once.
            this.waitedForReadiness = false;
            this.pausedUntil = 0;
            this.consecutiveFailures = 0;
        }
        if (this.pausedUntil != 0 && this.pausedUntil - now > 0) {
            return Math.min(maxWait, this.pausedUntil - now);
        }
        if (this.inFlight.size() >= this.window) {
            return maxWait;
        }
        List<QueuedMessage> batch;
        try {
            batch = this.queue.poll(this.window - this.inFlight.size());
        }
        catch (RuntimeException ex) {
            logger.warn("Could not read the {} queue: {}", this.platform, ex.toString());
            onTransientFailure(List.of(), ex);
            return 0;
        }
        if (batch.isEmpty()) {
            return maxWait;
        }
        batch = discardExpired(batch);
        for (int i = 0; i < batch.size(); i++) {
            QueuedMessage queued = batch.get(i);
            InFlight entry = new InFlight(queued);
            this.inFlight.put(queued.sequence(), entry);
            CompletableFuture<Void> future;
            try {
                future = this.sender.send(queued.message());
            }
            catch (RuntimeException ex) {
                future = CompletableFuture.failedFuture(ex);
            }
            if (future.isCompletedExceptionally()) {
                // Refused at once (disconnected): do not send the rest of the batch past it, out of order.
                List<QueuedMessage> unsent = batch.subList(i + 1, batch.size());
                if (!unsent.isEmpty()) {
                    this.queue.requeue(new ArrayList<>(unsent));
                }
                future.whenComplete((v, ex) -> complete(entry, ex));
                break;
            }
            future.whenComplete((v, ex) -> complete(entry, ex));
        }
        this.inFlightCount = this.inFlight.size();
        return 0;
    }

    private List<QueuedMessage> discardExpired(List<QueuedMessage> batch) {
        Instant now = Instant.now();
        List<QueuedMessage> live = new ArrayList<>(batch.size());
        List<QueuedMessage> dead = new ArrayList<>(0);
        for (QueuedMessage queued : batch) {
            boolean isExpired;
            try {
                isExpired = queued.message().isExpired(now);
            }
            catch (RuntimeException ex) {
                isExpired = false; // an unreadable expiry never loses a message
            }
            (isExpired ? dead : live).add(queued);
        }
        if (dead.isEmpty()) {
            return batch;
        }
        this.queue.ack(dead);
        this.expired.addAndGet(dead.size());
        logger.info("Discarded {} expired messages for {}", dead.size(), this.platform);
        for (QueuedMessage q : dead) {
            MessageDroppedException cause = new MessageDroppedException(q.message().id(), "it expired before it "
                    + "could be sent");
            for (DeliveryListener listener : this.listeners) {
                safely(() -> listener.onFailed(q.message(), cause), q.message());
            }
        }
        signalIfDrained();
        return live;
    }

    private void complete(InFlight entry, @Nullable Throwable error) {
        this.completions.add(new Completion(entry, error));
        wakeUp();
    }

    private void processCompletions() {
        if (this.completions.isEmpty()) {
            return;
        }
        List<InFlight> acked = new ArrayList<>();
        List<Completion> rejected = new ArrayList<>();
        Throwable transientError = null;
        List<QueuedMessage> requeue = new ArrayList<>();
        Completion completion;
        while ((completion = this.completions.poll()) != null) {
            long sequence = completion.entry.queued.sequence();
            if (this.inFlight.get(sequence) != completion.entry) {
                continue; // requeued already because an earlier message failed: stale outcome
            }
            Throwable error = unwrap(completion.error);
            if (error == null) {
                this.inFlight.remove(sequence);
                acked.add(completion.entry);
            }
            else if (this.permanentFailure.test(error)) {
                this.inFlight.remove(sequence);
                rejected.add(new Completion(completion.entry, error));
            }
            else {
                // This one and everything sent after it go back, so the queue order holds on the wire.
                boolean found = false;
                for (Iterator<Map.Entry<Long, InFlight>> it = this.inFlight.entrySet().iterator(); it.hasNext();) {
                    Map.Entry<Long, InFlight> e = it.next();
                    if (e.getKey() == sequence) {
                        found = true;
                    }
                    if (found) {
                        requeue.add(e.getValue().queued);
                        it.remove();
                    }
                }
                transientError = error;
            }
        }
        this.inFlightCount = this.inFlight.size();
        if (!acked.isEmpty() || !rejected.isEmpty()) {
            List<QueuedMessage> done = new ArrayList<>(acked.size() + rejected.size());
            acked.forEach(a -> done.add(a.queued));
            rejected.forEach(r -> done.add(r.entry.queued));
            try {
                this.queue.ack(done);
            }
            catch (RuntimeException ex) {
                // Stays in flight for this run; a durable queue sends it again after a restart (at least once).
                logger.warn("Could not remove {} acknowledged messages from the {} queue: {}", done.size(),
                        this.platform, ex.toString());
            }
        }
        if (!acked.isEmpty()) {
            this.sent.addAndGet(acked.size());
            this.lastAck = Instant.now();
            this.consecutiveFailures = 0;
            this.pausedUntil = 0;
            for (InFlight a : acked) {
                for (DeliveryListener listener : this.listeners) {
                    safely(() -> listener.onAcked(a.queued.message()), a.queued.message());
                }
            }
        }
        for (Completion r : rejected) {
            this.failed.incrementAndGet();
            OutboundMessage message = r.entry.queued.message();
            logger.warn("The {} server rejected message {}: {}", this.platform, message.id(),
                    r.error.getMessage());
            for (DeliveryListener listener : this.listeners) {
                safely(() -> listener.onFailed(message, r.error), message);
            }
        }
        if (transientError != null) {
            onTransientFailure(requeue, transientError);
        }
        if (!acked.isEmpty() || !rejected.isEmpty()) {
            signalIfDrained();
        }
    }

    private void onTransientFailure(List<QueuedMessage> requeue, Throwable error) {
        if (!requeue.isEmpty()) {
            this.queue.requeue(requeue);
            this.retries.incrementAndGet();
        }
        this.consecutiveFailures++;
        Duration delay = this.backoff.delay(this.consecutiveFailures);
        this.pausedUntil = System.nanoTime() + Math.max(1, delay.toNanos());
        // Expected while a connection is down: one line, no stack trace.
        logger.info("Sending to {} failed ({}); {} messages back in the queue, retrying in {} ms", this.platform,
                error.toString(), requeue.size(), delay.toMillis());
    }

    private void await(long nanos) throws InterruptedException {
        this.lock.lock();
        try {
            long remaining = nanos;
            while (!this.signalled && remaining > 0) {
                remaining = this.signal.awaitNanos(remaining);
            }
            this.signalled = false;
        }
        finally {
            this.lock.unlock();
        }
    }

    private void finishDrain() {
        Runnable callback;
        synchronized (this) {
            if (!this.inFlight.isEmpty()) {
                List<QueuedMessage> unacked = new ArrayList<>();
                this.inFlight.values().forEach(e -> unacked.add(e.queued));
                this.inFlight.clear();
                this.inFlightCount = 0;
                try {
                    this.queue.requeue(unacked);
                }
                catch (RuntimeException ex) {
                    logger.warn("Could not return {} unacknowledged messages to the {} queue: {}", unacked.size(),
                            this.platform, ex.toString());
                }
            }
            this.state = State.STOPPED;
            this.thread = null;
            releaseAfterDrain();
            failPendingFutures();
            callback = this.drainCallback;
            this.drainCallback = null;
        }
        if (callback != null) {
            callback.run();
        }
    }

    /** Reports what the drain left behind: kept for the next start, or lost with an in-memory queue. */
    private void releaseAfterDrain() {
        int left;
        try {
            left = this.queue.size();
        }
        catch (RuntimeException ex) {
            logger.warn("Could not count what is left in the {} queue: {}", this.platform, ex.toString());
            return;
        }
        if (left == 0) {
            logger.debug("The {} queue is drained", this.platform);
            return;
        }
        if (this.queue.isDurable()) {
            logger.info("{} messages for {} were not sent before shutdown; they stay in the store for the next start",
                    left, this.platform);
            return;
        }
        List<QueuedMessage> remaining = this.queue.poll(Integer.MAX_VALUE);
        this.queue.ack(remaining);
        this.lost.addAndGet(remaining.size());
        logger.warn("Lost {} messages for {}: the in-memory queue was not drained within {}", remaining.size(),
                this.platform, this.drainTimeout);
        DeliveryClosedException cause = new DeliveryClosedException(
                "The application stopped before the message could be sent to " + this.platform);
        for (QueuedMessage q : remaining) {
            for (DeliveryListener listener : this.listeners) {
                safely(() -> listener.onFailed(q.message(), cause), q.message());
            }
        }
    }

    /** What is still pending stays in a durable queue: its futures cannot complete in this run. */
    private void failPendingFutures() {
        if (this.futures.isEmpty()) {
            return;
        }
        DeliveryClosedException cause = new DeliveryClosedException("The application stopped before the message "
                + "was acknowledged; " + (this.queue.isDurable() ? "it stays in the durable queue and is sent after "
                        + "the next start" : "it was lost"));
        for (String id : List.copyOf(this.futures.keySet())) {
            CompletableFuture<Void> future = this.futures.remove(id);
            if (future != null) {
                future.completeExceptionally(cause);
            }
        }
    }

    /** Completes the futures of {@link #sendAsync}. */
    private final class FutureCompleter implements DeliveryListener {

        @Override
        public void onAcked(OutboundMessage message) {
            CompletableFuture<Void> future = Dispatcher.this.futures.remove(message.id());
            if (future != null) {
                future.complete(null);
            }
        }

        @Override
        public void onFailed(OutboundMessage message, Throwable cause) {
            CompletableFuture<Void> future = Dispatcher.this.futures.remove(message.id());
            if (future != null) {
                future.completeExceptionally(cause);
            }
        }

        @Override
        public void onDropped(OutboundMessage message) {
            CompletableFuture<Void> future = Dispatcher.this.futures.remove(message.id());
            if (future != null) {
                future.completeExceptionally(new MessageDroppedException(message.id(),
                        "the queue was full and its overflow rule discarded it"));
            }
        }
    }

    private static @Nullable Throwable unwrap(@Nullable Throwable error) {
        Throwable current = error;
        while ((current instanceof CompletionException || current instanceof ExecutionException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    private void safely(Runnable action, OutboundMessage message) {
        try {
            action.run();
        }
        catch (RuntimeException ex) {
            logger.warn("A {} delivery listener failed for message {}", this.platform, message.id(), ex);
        }
    }

    @Override
    public String toString() {
        return "Dispatcher[" + this.platform + ", " + this.state + ", window=" + this.window + "]";
    }

    private static final class InFlight {

        final QueuedMessage queued;

        InFlight(QueuedMessage queued) {
            this.queued = queued;
        }
    }

    private record Completion(InFlight entry, @Nullable Throwable error) {
    }

    /** Settings of a {@link Dispatcher}; only platform, queue and sender are required. */
    public static class Builder {

        private final String platform;

        private final OutboundQueue queue;

        private final MessageSender sender;

        private int window = 100;

        private RetryBackoff backoff = RetryBackoff.DEFAULT;

        private Duration drainTimeout = Duration.ofSeconds(30);

        private Duration readinessRecheck = Duration.ofSeconds(1);

        private Predicate<Throwable> permanentFailure = MessageRejectedException.class::isInstance;

        private int phase = IotLifecyclePhases.DELIVERY;

        private final List<DeliveryListener> listeners = new ArrayList<>();

        Builder(String platform, OutboundQueue queue, MessageSender sender) {
            if (platform == null || platform.isBlank()) {
                throw new IllegalArgumentException("platform must not be blank");
            }
            this.platform = platform;
            this.queue = Objects.requireNonNull(queue, "queue");
            this.sender = Objects.requireNonNull(sender, "sender");
        }

        /** Most messages in flight at once (default 100); match the client library's in-flight limit. */
        public Builder window(int window) {
            if (window < 1) {
                throw new IllegalArgumentException("window must be at least 1 but was " + window);
            }
            this.window = window;
            return this;
        }

        public Builder backoff(RetryBackoff backoff) {
            this.backoff = Objects.requireNonNull(backoff, "backoff");
            return this;
        }

        /** Longest time {@code stop} keeps delivering (iot.shutdown.drain-timeout, default 30s). */
        public Builder drainTimeout(Duration drainTimeout) {
            if (drainTimeout == null || drainTimeout.isNegative()) {
                throw new IllegalArgumentException("drainTimeout must not be negative");
            }
            this.drainTimeout = drainTimeout;
            return this;
        }

        /**
         * Safety net for senders that do not call {@link Dispatcher#wakeUp()}: how often readiness and the queue
         * are re-checked while idle (default 1s). Not a busy loop: the dispatcher sleeps in between.
         */
        public Builder readinessRecheck(Duration readinessRecheck) {
            if (readinessRecheck == null || readinessRecheck.isNegative() || readinessRecheck.isZero()) {
                throw new IllegalArgumentException("readinessRecheck must be positive");
            }
            this.readinessRecheck = readinessRecheck;
            return this;
        }

        /** Which failures are final for a message (default: {@link MessageRejectedException}). */
        public Builder permanentFailure(Predicate<Throwable> permanentFailure) {
            this.permanentFailure = Objects.requireNonNull(permanentFailure, "permanentFailure");
            return this;
        }

        public Builder phase(int phase) {
            this.phase = phase;
            return this;
        }

        public Builder listener(DeliveryListener listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        public Dispatcher build() {
            return new Dispatcher(this);
        }
    }
}
