package dev.iotspring.core.queue;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

import org.slf4j.Logger;

/**
 * What a full queue writes to the log when it drops messages, without flooding it: a queue that overflows during
 * an outage drops a message for every one sent, so only the first drop and then one line per {@link #INTERVAL}
 * (with how many were dropped meanwhile) are warnings; each message id is logged at debug level. Every drop still
 * reaches the queue's drop listeners: the platform's events and its {@code iot.messages.dropped} meter.
 */
public final class OverflowLog {

    /** The least time between two warnings of one queue. */
    public static final Duration INTERVAL = Duration.ofSeconds(10);

    private final Logger logger;

    private final String queue;

    private final LongSupplier nanoTime;

    private long lastWarning;

    private boolean warned;

    private long unreported;

    /**
     * @param logger the queue's logger
     * @param queue how the log names the queue, e.g. "Queue stellanow-events"
     */
    public OverflowLog(Logger logger, String queue) {
        this(logger, queue, System::nanoTime);
    }

    OverflowLog(Logger logger, String queue, LongSupplier nanoTime) {
        this.logger = Objects.requireNonNull(logger, "logger");
        this.queue = Objects.requireNonNull(queue, "queue");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /**
     * Reports one dropped message.
     * @param which "new" or "oldest"
     * @param policy the queue's bound
     * @param messageId the dropped message's id
     * @param droppedSoFar the queue's drops since it was opened, this one included
     */
    public synchronized void dropped(String which, OverflowPolicy policy, String messageId, long droppedSoFar) {
        long now = this.nanoTime.getAsLong();
        if (this.warned && now - this.lastWarning < INTERVAL.toNanos()) {
            this.unreported++;
            if (this.logger.isDebugEnabled()) {
                this.logger.debug("{} full (max-size {}): dropped the {} message {}", this.queue, policy.maxSize(),
                        which, messageId);
            }
            return;
        }
        long since = this.unreported;
        this.warned = true;
        this.lastWarning = now;
        this.unreported = 0;
        if (since == 0) {
            this.logger.warn("{} full (max-size {}): dropped the {} message {} ({} dropped so far)", this.queue,
                    policy.maxSize(), which, messageId, droppedSoFar);
        }
        else {
            this.logger.warn("{} full (max-size {}): dropped the {} message {}, and {} more since the last warning "
                    + "({} dropped so far)", this.queue, policy.maxSize(), which, messageId, since, droppedSoFar);
        }
    }
}
