package dev.iotspring.core.queue.shared;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import dev.iotspring.core.store.OutboxColumns;

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
 * <p>Unlike the SQLite queue it keeps no read cursor: rows of one lane may become visible out of id order (a
 * caller's long transaction commits after a later offer), so each poll reads the oldest rows of the held lanes
 * and skips those in flight.
 */
public class SharedOutboxQueue implements OutboundQueue {

    private static final Logger logger = LoggerFactory.getLogger(SharedOutboxQueue.class);

    private static final int DELETE_CHUNK = 500;

    private static final String COLUMNS = OutboxColumns.MESSAGE_COLUMNS;

    private final JdbcTemplate jdbc;

    private final TransactionTemplate tx;

    private final String queueName;

    private final LaneLeases leases;

    private final OverflowPolicy overflow;

    private final Runnable onClose;

    private final String insertSql;

    private final String selectSql;

    private final String deleteSql;

    private final String countSql;

    /** Guards in flight and the count's consistency with deletes and recounts. */
    private final ReentrantLock lock = new ReentrantLock();

    private final Map<Long, QueuedMessage> inFlight = new HashMap<>();

    private final AtomicLong count = new AtomicLong();

    private final AtomicLong dropped = new AtomicLong();

    private final DropListeners dropListeners = new DropListeners(SharedOutboxQueue.class);

    private final List<Runnable> arrivalListeners = new CopyOnWriteArrayList<>();

    private volatile boolean closed;

    SharedOutboxQueue(JdbcTemplate jdbc, TransactionTemplate tx, String prefix, String queueName, LaneLeases leases,
            OverflowPolicy overflow, Runnable onClose) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.queueName = queueName;
        this.leases = leases;
        this.overflow = overflow;
        this.onClose = onClose;
        String table = prefix + "shared_outbox";
        this.insertSql = "INSERT INTO " + table + " (queue_name, producer, " + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
        this.selectSql = "SELECT id, " + COLUMNS + " FROM " + table + " WHERE queue_name = ? AND producer IN (%s) "
                + "ORDER BY id LIMIT ?";
        this.deleteSql = "DELETE FROM " + table + " WHERE id = ?";
        this.countSql = "SELECT COUNT(*) FROM " + table + " WHERE queue_name = ? AND producer IN (%s)";
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
            insert(producer, accepted);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    if (status == STATUS_COMMITTED) {
                        SharedOutboxQueue.this.count.addAndGet(accepted.size());
                        SharedOutboxQueue.this.arrivalListeners.forEach(Runnable::run);
                    }
                }
            });
            return;
        }
        if (accepted.size() == 1) {
            insert(producer, accepted);
        }
        else {
            this.tx.executeWithoutResult(status -> insert(producer, accepted));
        }
        this.count.addAndGet(accepted.size());
    }

    private void insert(String producer, List<OutboundMessage> messages) {
        if (messages.size() == 1) {
            this.jdbc.update(this.insertSql, ps -> setRow(ps, producer, messages.get(0)));
        }
        else {
            this.jdbc.batchUpdate(this.insertSql, messages, messages.size(), (ps, m) -> setRow(ps, producer, m));
        }
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
            long queued = this.count.get() - this.inFlight.size();
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
        List<QueuedMessage> oldest = this.jdbc.query(this.selectSql.formatted("?"), this::mapRow, this.queueName,
                this.leases.producer(), this.inFlight.size() + 1);
        for (QueuedMessage row : oldest) {
            if (!this.inFlight.containsKey(row.sequence())
                    && this.jdbc.update(this.deleteSql, row.sequence()) > 0) {
                this.count.decrementAndGet();
                return row.message();
            }
        }
        return null;
    }

    private boolean inCallerTransaction() {
        DataSource dataSource = this.jdbc.getDataSource();
        return dataSource != null && TransactionSynchronizationManager.isSynchronizationActive()
                && TransactionSynchronizationManager.hasResource(dataSource);
    }

    // ---- delivery side -------------------------------------------------------------------------------------

    @Override
    public List<QueuedMessage> poll(int max) {
        checkOpen();
        Set<String> lanes = this.leases.held();
        if (max <= 0 || lanes.isEmpty()) {
            return List.of();
        }
        this.lock.lock();
        try {
            List<Object> args = new ArrayList<>(lanes.size() + 2);
            args.add(this.queueName);
            args.addAll(lanes);
            args.add(this.inFlight.size() + max);
            String sql = this.selectSql.formatted(placeholders(lanes.size()));
            List<QueuedMessage> rows = this.jdbc.query(sql, this::mapRow, args.toArray());
            List<QueuedMessage> taken = new ArrayList<>(Math.min(max, rows.size()));
            for (QueuedMessage row : rows) {
                if (taken.size() == max) {
                    break;
                }
                if (this.inFlight.putIfAbsent(row.sequence(), row) == null) {
                    taken.add(row);
                }
            }
            return taken;
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
        List<Long> ids = messages.stream().map(QueuedMessage::sequence).toList();
        this.lock.lock();
        try {
            int deleted = 0;
            for (int from = 0; from < ids.size(); from += DELETE_CHUNK) {
                List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + DELETE_CHUNK));
                if (chunk.size() == 1) {
                    deleted += this.jdbc.update(this.deleteSql, chunk.get(0));
                }
                else {
                    for (int rows : this.jdbc.batchUpdate(this.deleteSql, chunk, chunk.size(),
                            (ps, id) -> ps.setLong(1, id))[0]) {
                        deleted += Math.max(rows, 0);
                    }
                }
            }
            ids.forEach(this.inFlight::remove);
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
            // The rows never left the table: the next poll reads them again at their place.
            messages.forEach(m -> this.inFlight.remove(m.sequence()));
        }
        finally {
            this.lock.unlock();
        }
    }

    /** The lease thread's work: keep and gain lanes, recount, wake the dispatcher for adopted rows. */
    void tick() {
        if (this.closed) {
            return;
        }
        boolean gained = this.leases.tick();
        recount();
        if (gained && this.count.get() > 0) {
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
            List<Object> args = new ArrayList<>(lanes.size() + 1);
            args.add(this.queueName);
            args.addAll(lanes);
            Long rows = this.jdbc.queryForObject(this.countSql.formatted(placeholders(lanes.size())), Long.class,
                    args.toArray());
            this.count.set((rows != null) ? rows : 0);
        }
        finally {
            this.lock.unlock();
        }
    }

    private static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
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

    private void setRow(PreparedStatement ps, String producer, OutboundMessage m) throws SQLException {
        ps.setString(1, this.queueName);
        ps.setString(2, producer);
        OutboxColumns.bind(ps, 3, m);
    }

    private QueuedMessage mapRow(ResultSet rs, int row) throws SQLException {
        return new QueuedMessage(rs.getLong("id"), OutboxColumns.read(rs));
    }

    @Override
    public String toString() {
        return "SharedOutboxQueue[" + this.queueName + ", producer=" + this.leases.producer() + "]";
    }
}
