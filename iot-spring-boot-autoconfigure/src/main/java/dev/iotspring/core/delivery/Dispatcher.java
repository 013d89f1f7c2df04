package dev.iotspring.core.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
 * instead: that message is removed and reported failed, the others go on. A message the connection keeps
 * closing under (MQTT 3.1.1's only way to refuse a publish) is found by the poison-message rule
 * ({@code PoisonMessageRule}, {@link Builder#poisonThreshold}) and failed the same way.</li>
 * <li>While the sender is not ready, the dispatcher sleeps until {@link #wakeUp()} (platforms call it from
 * their connection listeners) or a readiness re-check interval passes.</li>
 * <li>As a {@link SmartLifecycle} at phase {@link IotLifecyclePhases#DELIVERY}: {@link #send} is accepted
 * until the drain starts and fails with {@link DeliveryClosedException} afterwards; the drain runs for up to
 * {@code drainTimeout}; what is left in a durable queue stays there for the next start, an in-memory queue logs
 * how many messages it lost.</li>
 * </ul>
 *
 * <p>Settling outcomes and dispatching (poll, send, ack, requeue) is one <em>turn</em>, under a lock. In the plain
 * running case the thread that queues a message ({@link #send}) or reports an outcome (the sender's future
 * completing on the client library's callback thread, unless the sender says that thread must not carry the work:
 * {@link MessageSender#settlesOnCompletingThread()}) takes the turn itself when it is free, so neither
 * waits for a hand-off to the dispatcher's thread; a thread that finds the turn taken leaves its work to the
 * holder, which looks again after its unlock. The dispatcher's own thread takes every turn that has to wait or
 * time something: a retry pause, the sender not ready, a poison-message probe, the drain and the stop; and, for a
 * durable queue with a window above one, all of them, so that the acknowledgements arriving during one commit are
 * batched into the next off the client library's callback thread. Listeners and futures therefore run on the
 * thread that took the turn (see {@link DeliveryListener}). This class is one job, the turn's body and the
 * dispatcher thread's loop with the lifecycle and the public API around it (its {@link Builder} is nested because
 * platforms call {@code Dispatcher.builder(..)}); who takes the turn ({@code DispatcherTurn}), the in-flight window
 * ({@code InFlightWindow}), the retry pause ({@code RetryPause}), settling outcomes ({@code DeliveryOutcomes},
 * with the poison-message rule {@code PoisonMessageRule}), the end of a drain ({@code QueueDrain}), the fan-out to
 * listeners and futures ({@code DeliveryNotifier}) and the thread's sleep and wake-ups ({@code WakeUpSignal}) are
 * package-private helpers.
 */
public class Dispatcher implements SmartLifecycle, AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(Dispatcher.class);

    private static final Function<OutboundMessage, Void> NO_RESULT = (message) -> null;

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

    private final InFlightWindow window;

    private final RetryPause pause;

    private final Duration drainTimeout;

    private final Duration readinessRecheck;

    private final int phase;

    private final DeliveryNotifier notifier;

    private final QueueDrain drain;

    private final WakeUpSignal wakeUps = new WakeUpSignal();

    private volatile State state = State.NEW;

    /**
     * Settling outcomes and dispatching run under it, on whichever thread takes it; it guards the window, the
     * retry pause and the poison-message rule.
     */
    private final DispatcherTurn turn = new DispatcherTurn(this::inlineTurn, this::wakeUp);

    /**
     * Whether the thread that queues a message or reports an outcome takes the turn itself. Not for a durable
     * queue with a window above one, where the dispatcher's thread takes every turn: measured again once
     * acknowledged deletes were deferred (docs/benchmarks.md, 2026-12-04), turns taken by the producers and the
     * client library's callback thread moved one producer and the end-to-end rate only within the spread, and cut
     * what eight producers gain from group commits (8 / 1 from 3.79 to 3.48). Before, the callback thread committed
     * one delete per acknowledgement (0.24 of raw Paho instead of 0.29).
     */
    private final boolean inline;

    private volatile long drainDeadline;

    /** Run when the drain ends: the lifecycle processor's callback, and every blocking {@link #stop()} waiting. */
    private final List<Runnable> drainCallbacks = new ArrayList<>();

    private @Nullable Thread thread;

    private final DeliveryOutcomes outcomes;

    protected Dispatcher(Builder builder) {
        this.platform = builder.platform;
        this.queue = builder.queue;
        this.sender = builder.sender;
        this.inline = !builder.queue.isDurable() || builder.window == 1;
        this.window = new InFlightWindow(builder.window,
                builder.sender.settlesOnCompletingThread() ? this::workArrived : this::wakeUp);
        this.pause = new RetryPause(builder.backoff);
        this.drainTimeout = builder.drainTimeout;
        this.readinessRecheck = builder.readinessRecheck;
        this.phase = builder.phase;
        this.notifier = new DeliveryNotifier(this.platform, builder.listeners);
        this.drain = new QueueDrain(this.platform, this.queue, this.notifier, this.drainTimeout);
        this.outcomes = new DeliveryOutcomes(this.platform, this.queue, this.window, this.pause, this.notifier,
                this.drain, builder.permanentFailure, this.sender::isConnectionLoss, builder.poisonThreshold);
        this.queue.addArrivalListener(this::wakeUp);
        this.queue.addDropListener(this::notifyDropped);
    }

    public static Builder builder(String platform, OutboundQueue queue, MessageSender sender) {
        return new Builder(platform, queue, sender);
    }

    // ---- sending side --------------------------------------------------------------------------------------

    /**
     * Queues a message for delivery; when the dispatcher is idle, this thread hands it to the sender before it
     * returns (see the class comment). Accepted before {@link #start()} too.
     * @throws DeliveryClosedException once the drain has started
     * @throws QueueFullException when the queue is full and refuses
     */
    public void send(OutboundMessage message) {
        checkAccepting(message.id());
        this.queue.offer(message);
        wakeForNewMessages();
    }

    /**
     * Queues a message and returns a future completed when the broker acknowledged it, or failed with
     * {@link MessageRejectedException} (the server refused it), {@link MessageDroppedException} (overflow or
     * expiry), {@link DeliveryClosedException} (shutdown came first; a durable queue still holds it for the next
     * start) or the exception that kept it from being queued ({@link QueueFullException}). Never throws.
     *
     * <p>The future completes on whichever thread settles the outcome: usually the client library's thread that
     * reported the acknowledgement, or a thread of the application sending another message, or the dispatcher's
     * thread (during a retry pause or a drain, or always for a durable queue with a window above one). Chain
     * blocking work with the {@code *Async} methods; a callback that blocks holds up delivery (and that library
     * thread). Messages are matched by id; sending the same id again while it is pending shares the first
     * future.
     */
    public CompletableFuture<Void> sendAsync(OutboundMessage message) {
        return sendAsync(message, NO_RESULT);
    }

    /**
     * {@link #sendAsync(OutboundMessage)} completed with {@code result} of the acknowledged message instead of
     * {@code null} (e.g. the platform's send result), computed on the thread that settles it: one future per pending
     * message, where a {@code thenApply} stage would keep two more objects (and its lambda) per queued message.
     * Pass the same function instance for every message (a constant): a message id sent again while pending then
     * shares the first future.
     */
    public <R> CompletableFuture<R> sendAsync(OutboundMessage message,
            Function<? super OutboundMessage, ? extends R> result) {
        Objects.requireNonNull(result, "result");
        DeliveryNotifier.Pending<?> future = this.notifier.futureFor(message.id(), result);
        try {
            send(message);
        }
        catch (RuntimeException ex) {
            this.notifier.refused(message.id(), future, ex);
        }
        return DeliveryNotifier.view(future, result, message);
    }

    /**
     * {@link #sendAsync} for the contract's non-blocking sends: a message refused before it was queued throws at
     * once ({@link QueueFullException}, {@link DeliveryClosedException}) instead of failing the future, so the
     * caller learns it on its own thread; delivery outcomes still fail the future.
     */
    public CompletableFuture<Void> acceptAsync(OutboundMessage message) {
        return acceptAsync(message, NO_RESULT);
    }

    /**
     * {@link #acceptAsync(OutboundMessage)} completed with {@code result} of the acknowledged message (see
     * {@link #sendAsync(OutboundMessage, Function)}).
     */
    public <R> CompletableFuture<R> acceptAsync(OutboundMessage message,
            Function<? super OutboundMessage, ? extends R> result) {
        CompletableFuture<R> acknowledged = sendAsync(message, result);
        if (acknowledged.isCompletedExceptionally()) {
            Throwable cause = acknowledged.handle((ignored, failure) -> failure).join();
            if (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof QueueFullException || cause instanceof DeliveryClosedException) {
                throw (RuntimeException) cause;
            }
        }
        return acknowledged;
    }

    /**
     * The {@code flush(Duration)} of every platform bean: sends at once what waits for a retry pause and waits
     * until every accepted message was acknowledged (or dropped).
     * @return true when nothing is pending any more; false on timeout, or when the waiting thread was interrupted
     *     (its interrupt flag is then set again)
     */
    public boolean flush(Duration timeout) {
        wakeUp();
        try {
            return awaitDrained(timeout);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Waits until every accepted message was acknowledged (or dropped), e.g. before a batch job ends; messages
     * queued meanwhile by other threads are waited for too.
     * @return whether the queue became empty within the timeout
     */
    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        return this.drain.awaitDrained(timeout);
    }

    /** Queues several messages in order (one transaction for a durable queue) and dispatches as {@link #send}. */
    public void sendAll(List<OutboundMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        checkAccepting(messages.get(0).id());
        this.queue.offerAll(messages);
        wakeForNewMessages();
    }

    /**
     * A new message needs a turn only while the window has room: with a full window, every message in flight
     * brings a turn when its outcome arrives, which polls the queue then. Without this, each send into a busy
     * queue woke a parked dispatcher that could only go back to sleep (a lock, a signal and two context switches).
     */
    private void wakeForNewMessages() {
        if (this.window.count() < this.window.capacity()) {
            workArrived();
        }
    }

    /**
     * A message was queued or an outcome reported: the calling thread takes the turn when it is free and the
     * dispatcher is in the plain running case (settles, then sends what fits, as the dispatcher's thread would),
     * else leaves the work to the turn's holder or to the dispatcher's thread. Saves the hand-off to the
     * dispatcher's thread (a wake-up and two context switches) per message and per outcome.
     */
    private void workArrived() {
        if (this.inline) {
            this.turn.workArrived();
        }
        else {
            wakeUp();
        }
    }

    /**
     * One turn on the calling thread, under {@link #turn}; false when the dispatcher's thread must take over: a
     * retry pause, the sender not ready, a poison-message probe, a drain, a stop, or a failure.
     */
    private boolean inlineTurn() {
        if (!plainRunning()) {
            return false;
        }
        try {
            this.outcomes.settle();
            if (!plainRunning()) {
                return false;
            }
            dispatch();
            return plainRunning();
        }
        catch (RuntimeException ex) {
            failedTurn(ex);
            return false;
        }
    }

    /** Under {@link #turn}: nothing for the dispatcher's thread to time or to watch. */
    private boolean plainRunning() {
        return this.state == State.RUNNING && this.pause.isClear() && !this.outcomes.isProbing()
                && !this.outcomes.probeDue();
    }

    private void checkAccepting(String messageId) {
        State current = this.state;
        if (current == State.DRAINING || current == State.STOPPED) {
            throw new DeliveryClosedException("The " + this.platform + " client is stopped and accepts no messages "
                    + "until it starts again: the application is shutting down, or its context was stopped (message "
                    + messageId + " was not queued)");
        }
    }

    /**
     * Tells the dispatcher that something changed: a message was queued, the sender became ready (call it from
     * connection listeners). Cheap and safe from any thread.
     */
    public void wakeUp() {
        this.wakeUps.wakeUp();
    }

    public void addListener(DeliveryListener listener) {
        this.notifier.addListener(listener);
    }

    public boolean removeListener(DeliveryListener listener) {
        return this.notifier.removeListener(listener);
    }

    // ---- observation ---------------------------------------------------------------------------------------

    public DeliveryStats stats() {
        return new DeliveryStats(this.platform, this.state, this.sender.isReady(), this.queue.isDurable(),
                this.queue.size(), this.window.count(), this.outcomes.sent(), this.outcomes.failed(),
                this.queue.droppedCount(), this.outcomes.expired(), this.drain.lost(), this.outcomes.retries(),
                this.outcomes.lastAck());
    }

    /** Messages acknowledged since the dispatcher was created. */
    public long sentCount() {
        return this.outcomes.sent();
    }

    /** Messages the server rejected (not retried). */
    public long failedCount() {
        return this.outcomes.failed();
    }

    /**
     * Messages discarded without delivery: by the queue's overflow rule, because they expired, or because an
     * in-memory queue still held them at shutdown.
     */
    public long droppedCount() {
        return this.queue.droppedCount() + this.outcomes.expired() + this.drain.lost();
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
        return this.window.capacity();
    }

    // ---- lifecycle -----------------------------------------------------------------------------------------

    @Override
    public void start() {
        // The turn before the monitor, everywhere: a listener holding the turn may call start or stop.
        this.turn.lock();
        try {
            synchronized (this) {
                if (this.state == State.RUNNING || this.state == State.DRAINING) {
                    return;
                }
                this.state = State.RUNNING;
                this.pause.reset();
                this.window.clearCompletions(); // late outcomes of a previous run
                Thread t = new Thread(this::run, "iot-" + this.platform + "-dispatcher");
                t.setDaemon(true);
                this.thread = t;
                t.start();
            }
        }
        finally {
            this.turn.unlock();
        }
    }

    @Override
    public void stop(Runnable callback) {
        Thread running;
        synchronized (this) {
            if (this.state == State.DRAINING) {
                // Someone else started the drain (e.g. the lifecycle processor, which may have stopped waiting
                // on it): this caller too is told when it really ends.
                this.drainCallbacks.add(callback);
                return;
            }
            if (this.state != State.RUNNING) {
                if (this.state == State.NEW) {
                    // Never started: nothing was sent; account for what an in-memory queue loses.
                    this.state = State.STOPPED;
                    this.drain.finish(this.window);
                }
                callback.run();
                return;
            }
            this.drainDeadline = System.nanoTime() + this.drainTimeout.toNanos();
            this.drainCallbacks.add(callback);
            this.state = State.DRAINING;
            running = this.thread;
        }
        logger.debug("Draining the {} queue ({} messages) for up to {}", this.platform, this.queue.size(),
                this.drainTimeout);
        wakeUp();
        if (running == null) {
            finishDrain();
        }
    }

    /**
     * Drains and blocks until the drain ended (at most the drain timeout plus a little), also when another
     * caller started the drain. Platforms call it before they close their connection and queue, so a dispatcher
     * never sends on after its owner is gone: should the thread still run after that wait, it is interrupted.
     */
    @Override
    public void stop() {
        CountDownLatch done = new CountDownLatch(1);
        stop(done::countDown);
        try {
            if (!done.await(this.drainTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
                Thread running = this.thread;
                if (running != null) {
                    logger.warn("The {} dispatcher did not end its drain in time; interrupting it", this.platform);
                    running.interrupt();
                }
            }
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
                // Consumed before looking: a wake-up from now on makes the next await return at once.
                this.wakeUps.consume();
                this.turn.lockForDispatcherThread();
                try {
                    this.outcomes.settle();
                    if (this.state == State.DRAINING && (drained() || System.nanoTime() - this.drainDeadline >= 0)) {
                        break;
                    }
                    waitNanos = dispatch();
                }
                catch (RuntimeException ex) {
                    waitNanos = Math.max(1, failedTurn(ex).toNanos());
                }
                finally {
                    this.turn.unlock();
                }
                // Work left by a thread that found the turn taken while this one held it.
                if (waitNanos > 0 && !this.turn.workPending()) {
                    this.wakeUps.await(waitNanos);
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

    /** A failing store or sender must not end delivery: back off and try again. */
    private Duration failedTurn(RuntimeException ex) {
        Duration delay = this.pause.failed(System.nanoTime());
        logger.warn("The {} dispatcher failed; retrying in {} ms", this.platform, delay.toMillis(), ex);
        return delay;
    }

    private boolean drained() {
        return this.window.isEmpty() && this.queue.size() == 0;
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
            this.pause.senderNotReady();
            return maxWait;
        }
        // The sender was down and is back (its own reconnect backoff spaced the attempts): resume at once.
        this.pause.senderReady();
        long paused = this.pause.remainingNanos(now);
        if (paused > 0) {
            return Math.min(maxWait, paused);
        }
        if (this.window.free() <= 0 || this.outcomes.isProbing()) {
            return maxWait; // a poison-message probe goes alone
        }
        boolean probe = this.outcomes.probeDue();
        List<QueuedMessage> batch;
        try {
            batch = this.queue.poll(probe ? Math.min(2, this.window.free()) : this.window.free());
        }
        catch (RuntimeException ex) {
            logger.warn("Could not read the {} queue: {}", this.platform, ex.toString());
            this.outcomes.transientFailure(List.of(), ex);
            return 0;
        }
        if (batch.isEmpty()) {
            return maxWait;
        }
        batch = this.outcomes.discardExpired(batch);
        if (probe) {
            batch = this.outcomes.startProbe(batch);
        }
        for (int i = 0; i < batch.size(); i++) {
            QueuedMessage queued = batch.get(i);
            InFlightWindow.Entry entry = this.window.add(queued);
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
                future.whenComplete(entry);
                break;
            }
            future.whenComplete(entry);
        }
        return 0;
    }

    private void finishDrain() {
        List<Runnable> callbacks;
        this.turn.lock();
        try {
            synchronized (this) {
                this.state = State.STOPPED;
                this.thread = null;
                this.outcomes.releaseHeld();
                this.drain.finish(this.window);
                callbacks = new ArrayList<>(this.drainCallbacks);
                this.drainCallbacks.clear();
            }
        }
        finally {
            this.turn.unlock();
        }
        callbacks.forEach(Runnable::run);
    }

    private void notifyDropped(OutboundMessage message) {
        this.notifier.dropped(message);
    }

    @Override
    public String toString() {
        return "Dispatcher[" + this.platform + ", " + this.state + ", window=" + this.window.capacity() + "]";
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

        private int poisonThreshold = 5;

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

        /**
         * Poison-message rule (see {@code PoisonMessageRule}): after this many consecutive connection losses (as
         * the sender's {@link MessageSender#isConnectionLoss} tells them) while the same message was the oldest in
         * flight and nothing was acknowledged in between, the message after it is sent alone; if that one is
         * acknowledged, the held-back message fails with {@link MessageRejectedException} instead of being
         * retried forever (MQTT 3.1.1 brokers refuse a publish by closing the connection); if not, both stay
         * queued. Default 5; 0 turns the rule off.
         */
        public Builder poisonThreshold(int losses) {
            if (losses < 0) {
                throw new IllegalArgumentException("poisonThreshold must not be negative but was " + losses);
            }
            this.poisonThreshold = losses;
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
