package dev.iotspring.core.queue.shared;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.iotspring.core.queue.DropListener;
import dev.iotspring.core.queue.DropListeners;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.OverflowPolicy;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueueFullException;
import dev.iotspring.core.queue.QueuedMessage;

/**
 * One durable queue in the {@link SharedOutbox} table, as one application instance sees it. Its offers go to its
 * own lane ({@code producer} = the instance id); it delivers the lanes it holds a lease on ({@code LaneLeases}):
 * its own, plus those of instances that died, after their lease expired.
 *
 * <ul>
 * <li><b>Order</b> is kept per producing instance: a lane has one deliverer at a time and is read oldest row
 * first. Messages of different instances have no order between them (as with any load balancer in front).</li>
 * <li><b>At least once.</b> A row is deleted only on the broker's acknowledgement. Rows in flight at a crash are
 * delivered again by whoever takes the lane over: duplicates are bounded by the dead instance's window.</li>
 * <li><b>Transactional outbox.</b> An offer inside a Spring transaction on the same DataSource joins it: the
 * message exists (and is sent) only if the application's transaction commits.</li>
 * <li>{@link #size()} counts the rows of the lanes this instance holds, recounted at every lease tick.</li>
 * </ul>
 *
 * <p><b>Reading.</b> Each held lane has a cursor (the last id read) and is read ahead a page at a time, so a poll
 * reads only rows it has not seen, not the rows in flight again. The read joins the lane's lease row, so a lane is
 * read only while this instance owns it; a lane that follows another (see {@code LaneLeases}) is read only once
 * the lease tick found that one delivered. Rows read
 * ahead are handed out from memory only while the lease renewed last is surely valid; an instance that stalled
 * past it forgets them and reads again under the lease check, so after a take-over it sends at most what it had
 * in flight. A row can become visible behind the cursor (a caller's long transaction commits after a later
 * offer was read): every commit of an offer reports its lowest id and moves the cursor back to it if needed;
 * lanes gained at a take-over are read from their start.
 *
 * <p>The queue holds the count and the bound behind one lock; what it read of each lane is {@code LaneReadAhead}'s,
 * the SQL {@code SharedOutboxSql}'s, and who delivers which lane {@code LaneLeases}'.
 */
public class SharedOutboxQueue implements OutboundQueue {

    private static final Logger logger = LoggerFactory.getLogger(SharedOutboxQueue.class);

    private final SharedOutboxSql sql;

    private final TransactionTemplate tx;

    private final String queueName;

    private final LaneLeases leases;

    private final OverflowPolicy overflow;

    private final Runnable onClose;

    /** Guards the lanes, rows read ahead, in flight, and the count's consistency with deletes and recounts. */
    private final ReentrantLock lock = new ReentrantLock();

    private final LaneReadAhead lanes;

    private final AtomicLong count = new AtomicLong();

    private final AtomicLong dropped = new AtomicLong();

    private final DropListeners dropListeners = new DropListeners(SharedOutboxQueue.class);

    private final List<Runnable> arrivalListeners = new CopyOnWriteArrayList<>();

    private volatile boolean closed;

    SharedOutboxQueue(JdbcTemplate jdbc, TransactionTemplate tx, String prefix, String queueName, LaneLeases leases,
            OverflowPolicy overflow, Runnable onClose) {
        this.sql = new SharedOutboxSql(jdbc, prefix, queueName);
        this.lanes = new LaneReadAhead(this.sql);
        this.tx = tx;
        this.queueName = queueName;
        this.leases = leases;
        this.overflow = overflow;
        this.onClose = onClose;
        leases.start();
        recount();
        if (this.count.get() > 0) {
            logger.info("Shared queue {} opened with {} messages in its lanes {}", queueName, this.count.get(),
                    leases.held());
        }
    }

    // ---- offer ---------------------------------------------------------------------------------------------

    @Override
    public void offer(OutboundMessage message) {
        offerAll(List.of(message));
    }

    @Override
    public void offerAll(List<OutboundMessage> messages) {
        messages.forEach(m -> Objects.requireNonNull(m, "message"));
        checkOpen();
        if (messages.isEmpty()) {
            return;
        }
        List<OutboundMessage> accepted = applyBound(messages);
        if (accepted.isEmpty()) {
            return;
        }
        String producer = this.leases.producer();
        if (inCallerTransaction()) {
            // The transactional outbox: the rows exist only if the caller's transaction commits.
            long firstId = this.sql.insert(producer, accepted);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    if (status == STATUS_COMMITTED) {
                        SharedOutboxQueue.this.count.addAndGet(accepted.size());
                        SharedOutboxQueue.this.lanes.committed(producer, firstId);
                        SharedOutboxQueue.this.arrivalListeners.forEach(Runnable::run);
                    }
                }
            });
            return;
        }
        // Up to INSERT_CHUNK rows are one statement, atomic without a transaction of its own.
        Long firstId = (accepted.size() <= SharedOutboxSql.INSERT_CHUNK) ? this.sql.insert(producer, accepted)
                : this.tx.execute(status -> this.sql.insert(producer, accepted));
        this.count.addAndGet(accepted.size());
        this.lanes.committed(producer, (firstId != null) ? firstId : 0);
    }

    /** The messages that fit, after the overflow rule ran on the rest. */
    private List<OutboundMessage> applyBound(List<OutboundMessage> messages) {
        if (this.overflow.maxSize() <= 0) {
            return messages;
        }
        List<OutboundMessage> accepted = new ArrayList<>(messages.size());
        List<OutboundMessage> droppedNow = new ArrayList<>(0);
        this.lock.lock();
        try {
            long queued = this.count.get() - this.lanes.inFlightCount();
            for (OutboundMessage message : messages) {
                if (this.overflow.isFull((int) Math.min(Integer.MAX_VALUE, queued))) {
                    if (this.overflow.strategy() == OverflowStrategy.RAISE_EXCEPTION) {
                        throw new QueueFullException((int) this.count.get(), this.dropped.get(), message.id());
                    }
                    OutboundMessage victim = message;
                    if (this.overflow.strategy() == OverflowStrategy.DROP_OLDEST) {
                        // The oldest queued row; if every queued one is of this very call, its first message.
                        OutboundMessage oldest = deleteOldestQueued();
                        if (oldest == null && !accepted.isEmpty()) {
                            oldest = accepted.remove(0);
                        }
                        if (oldest != null) {
                            victim = oldest;
                            queued--;
                        }
                    }
                    droppedNow.add(victim);
                    this.dropped.incrementAndGet();
                    logger.warn("Shared queue {} full (max-size {}): dropped message {}", this.queueName,
                            this.overflow.maxSize(), victim.id());
                    if (victim == message) {
                        continue;
                    }
                }
                accepted.add(message);
                queued++;
            }
        }
        finally {
            this.lock.unlock();
        }
        droppedNow.forEach(this.dropListeners::dropped);
        return accepted;
    }

    /** DROP_OLDEST: the oldest row of this instance's lane that is not in flight, deleted. */
    private OutboundMessage deleteOldestQueued() {
        String lane = this.leases.producer();
        List<QueuedMessage> oldest = this.sql.oldest(lane, this.lanes.inFlightCount() + 1);
        for (QueuedMessage row : oldest) {
            if (!this.lanes.isInFlight(row.sequence()) && this.sql.deleteOne(row.sequence())) {
                this.lanes.removeUnsent(row.sequence());
                this.count.decrementAndGet();
                return row.message();
            }
        }
        return null;
    }

    private boolean inCallerTransaction() {
        DataSource dataSource = this.sql.dataSource();
        return dataSource != null && TransactionSynchronizationManager.isSynchronizationActive()
                && TransactionSynchronizationManager.hasResource(dataSource);
    }

    // ---- delivery side -------------------------------------------------------------------------------------

    @Override
    public List<QueuedMessage> poll(int max) {
        checkOpen();
        Set<String> held = this.leases.readable();
        if (max <= 0 || held.isEmpty()) {
            return List.of();
        }
        this.lock.lock();
        try {
            return this.lanes.take(held, this.leases.leaseValid(), this.leases.instanceId(), max);
        }
        finally {
            this.lock.unlock();
        }
    }

    @Override
    public void ack(Collection<QueuedMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        long[] ids = messages.stream().mapToLong(QueuedMessage::sequence).toArray();
        this.lock.lock();
        try {
            int deleted = this.sql.delete(ids);
            this.lanes.acked(ids);
            long left = this.count.addAndGet(-deleted);
            if (left < 0) {
                this.count.set(0);
            }
        }
        finally {
            this.lock.unlock();
        }
    }

    @Override
    public void requeue(Collection<QueuedMessage> messages) {
        this.lock.lock();
        try {
            this.lanes.requeue(messages);
        }
        finally {
            this.lock.unlock();
        }
    }

    /** The lease thread's work: keep and gain lanes, recount, wake the dispatcher for rows it may now read. */
    void tick() {
        if (this.closed) {
            return;
        }
        this.leases.tick();
        recount();
        this.lock.lock();
        try {
            // A lane that waited for the one it follows may be readable now; adopted lanes may have new rows.
            this.lanes.readAgain();
        }
        finally {
            this.lock.unlock();
        }
        if (this.count.get() > this.lanes.inFlightCount()) {
            this.arrivalListeners.forEach(Runnable::run);
        }
    }

    private void recount() {
        Set<String> lanes = this.leases.held();
        if (lanes.isEmpty()) {
            return;
        }
        this.lock.lock();
        try {
            this.count.set(this.sql.count(lanes));
        }
        finally {
            this.lock.unlock();
        }
    }

    // ---- state ---------------------------------------------------------------------------------------------

    @Override
    public int size() {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, this.count.get()));
    }

    @Override
    public long droppedCount() {
        return this.dropped.get();
    }

    @Override
    public boolean isDurable() {
        return true;
    }

    @Override
    public void addDropListener(DropListener listener) {
        this.dropListeners.add(listener);
    }

    @Override
    public void addArrivalListener(Runnable listener) {
        this.arrivalListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public String getQueueName() {
        return this.queueName;
    }

    /** The lane this instance's offers go to. */
    public String producer() {
        return this.leases.producer();
    }

    /** The lanes this instance delivers now: its own, plus those it took over from instances that died. */
    public Set<String> heldLanes() {
        return this.leases.held();
    }

    /**
     * Stops delivering and gives the lanes up at once, so another instance delivers what is left without waiting
     * for the lease to expire. Rows stay.
     */
    @Override
    public void close() {
        if (this.closed) {
            return;
        }
        this.closed = true;
        try {
            this.leases.release();
        }
        catch (RuntimeException ex) {
            logger.warn("Shared queue {}: could not release the lanes (others take them after the lease): {}",
                    this.queueName, ex.toString());
        }
        this.onClose.run();
    }

    private void checkOpen() {
        if (this.closed) {
            throw new IllegalStateException("Shared queue " + this.queueName + " is closed");
        }
    }

    @Override
    public String toString() {
        return "SharedOutboxQueue[" + this.queueName + ", producer=" + this.leases.producer() + "]";
    }
}
