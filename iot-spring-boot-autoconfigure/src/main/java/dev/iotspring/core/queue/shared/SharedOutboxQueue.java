package dev.iotspring.core.queue.shared;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Array;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
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
 * <p>This class is one job, one queue's state behind one lock (lanes read ahead, rows in flight, the count and the
 * bound) together with the SQL that moves it, so it is longer than most; who delivers which lane is
 * {@code LaneLeases}'.
 */
public class SharedOutboxQueue implements OutboundQueue {

    private static final Logger logger = LoggerFactory.getLogger(SharedOutboxQueue.class);

    /** Rows read per lane and query; a poll asking for more reads more. */
    private static final int READ_AHEAD = 256;

    /** Ids per DELETE; PostgreSQL takes far more, this keeps one statement's array small. */
    private static final int DELETE_CHUNK = 1000;

    private static final String COLUMNS = OutboxColumns.MESSAGE_COLUMNS;

    private static final String[] ID_COLUMN = { "id" };

    /** Rows per INSERT statement. */
    private static final int INSERT_CHUNK = 100;

    /** queue_name, producer and the message's columns. */
    private static final int ROW_PARAMETERS = 9;

    private final JdbcTemplate jdbc;

    private final TransactionTemplate tx;

    private final String queueName;

    private final LaneLeases leases;

    private final OverflowPolicy overflow;

    private final Runnable onClose;

    private final String insertPrefix;

    /** Multi-row INSERT statements by row count. */
    private final Map<Integer, String> insertSql = new ConcurrentHashMap<>();

    private final String readSql;

    private final String oldestSql;

    private final String deleteSql;

    private final String deleteOneSql;

    private final String countSql;

    /** Guards the lanes, rows read ahead, in flight, and the count's consistency with deletes and recounts. */
    private final ReentrantLock lock = new ReentrantLock();

    private final Map<String, Lane> lanes = new HashMap<>();

    /** Rows read and not handed out, of every lane, oldest first. */
    private final TreeMap<Long, Row> readAhead = new TreeMap<>();

    private final Map<Long, Row> inFlight = new HashMap<>();

    /** Per lane, the lowest id committed since the last poll (see {@link #committed}). */
    private final Map<String, Long> commits = new ConcurrentHashMap<>();

    private Set<String> lanesSeen = Set.of();

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
        this.insertPrefix = "INSERT INTO " + table + " (queue_name, producer, " + COLUMNS + ") VALUES ";
        // The lease join makes the read itself check that this instance still delivers the lane.
        this.readSql = "SELECT o.id, " + COLUMNS + " FROM " + table + " o JOIN " + prefix + "outbox_lease l "
                + "ON l.queue_name = o.queue_name AND l.producer = o.producer WHERE o.queue_name = ? "
                + "AND o.producer = ? AND o.id > ? AND l.owner = ? ORDER BY o.id LIMIT ?";
        this.oldestSql = "SELECT id, " + COLUMNS + " FROM " + table + " WHERE queue_name = ? AND producer = ? "
                + "ORDER BY id LIMIT ?";
        this.deleteSql = "DELETE FROM " + table + " WHERE id = ANY (?)";
        this.deleteOneSql = "DELETE FROM " + table + " WHERE id = ?";
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
            long firstId = insert(producer, accepted);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    if (status == STATUS_COMMITTED) {
                        SharedOutboxQueue.this.count.addAndGet(accepted.size());
                        committed(producer, firstId);
                        SharedOutboxQueue.this.arrivalListeners.forEach(Runnable::run);
                    }
                }
            });
            return;
        }
        // Up to INSERT_CHUNK rows are one statement, atomic without a transaction of its own.
        Long firstId = (accepted.size() <= INSERT_CHUNK) ? insert(producer, accepted)
                : this.tx.execute(status -> insert(producer, accepted));
        this.count.addAndGet(accepted.size());
        committed(producer, (firstId != null) ? firstId : 0);
    }

    /**
     * Inserts the rows, up to {@value #INSERT_CHUNK} per multi-row {@code INSERT} (one statement for the database
     * to run instead of one per row); returns the lowest id they got.
     */
    private long insert(String producer, List<OutboundMessage> messages) {
        long lowest = Long.MAX_VALUE;
        for (int from = 0; from < messages.size(); from += INSERT_CHUNK) {
            List<OutboundMessage> chunk = messages.subList(from, Math.min(messages.size(), from + INSERT_CHUNK));
            KeyHolder keys = new GeneratedKeyHolder();
            this.jdbc.update(con -> {
                PreparedStatement ps = con.prepareStatement(insertSql(chunk.size()), ID_COLUMN);
                int parameter = 1;
                for (OutboundMessage message : chunk) {
                    setRow(ps, parameter, producer, message);
                    parameter += ROW_PARAMETERS;
                }
                return ps;
            }, keys);
            for (Map<String, Object> row : keys.getKeyList()) {
                // One column: its name's case depends on the database.
                lowest = Math.min(lowest, ((Number) row.values().iterator().next()).longValue());
            }
        }
        return (lowest == Long.MAX_VALUE) ? 0 : lowest;
    }

    private String insertSql(int rows) {
        return this.insertSql.computeIfAbsent(rows, n -> this.insertPrefix
                + String.join(", ", Collections.nCopies(n, "(?, ?, ?, ?, ?, ?, ?, ?, ?)")));
    }

    /**
     * Committed rows from {@code firstId} on in {@code lane}: the next poll reads them, even if its cursor is past
     * them. Noted without the lock, so that a send never waits for the dispatcher's database round trips.
     */
    private void committed(String lane, long firstId) {
        this.commits.merge(lane, firstId, Math::min);
    }

    /** Under the lock: lanes with new commits are read again, from the lowest id committed. */
    private void applyCommits() {
        for (String name : this.commits.keySet()) {
            Long firstId = this.commits.remove(name);
            Lane lane = this.lanes.get(name);
            if (lane != null && firstId != null) {
                lane.drained = false;
                if (firstId <= lane.after) {
                    lane.after = firstId - 1;
                }
            }
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
        String lane = this.leases.producer();
        List<QueuedMessage> oldest = this.jdbc.query(this.oldestSql, (rs, n) -> mapRow(rs), this.queueName, lane,
                this.inFlight.size() + 1);
        for (QueuedMessage row : oldest) {
            if (!this.inFlight.containsKey(row.sequence())
                    && this.jdbc.update(this.deleteOneSql, row.sequence()) > 0) {
                Row unsent = this.readAhead.remove(row.sequence());
                if (unsent != null) {
                    unsent.lane.pending--;
                }
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
        Set<String> held = this.leases.readable();
        if (max <= 0 || held.isEmpty()) {
            return List.of();
        }
        this.lock.lock();
        try {
            if (!this.leases.leaseValid()) {
                // Stalled past the renewal (or not renewed yet): what was read ahead may be another's by now.
                forgetReadAhead();
            }
            syncLanes(held);
            applyCommits();
            for (Lane lane : this.lanes.values()) {
                while (!lane.drained && lane.pending < max) {
                    readAhead(lane, Math.max(READ_AHEAD, max));
                }
            }
            List<QueuedMessage> taken = new ArrayList<>(Math.min(max, this.readAhead.size()));
            Iterator<Row> oldestFirst = this.readAhead.values().iterator();
            while (taken.size() < max && oldestFirst.hasNext()) {
                Row row = oldestFirst.next();
                oldestFirst.remove();
                row.lane.pending--;
                this.inFlight.put(row.queued.sequence(), row);
                taken.add(row.queued);
            }
            return taken;
        }
        finally {
            this.lock.unlock();
        }
    }

    private void readAhead(Lane lane, int page) {
        List<QueuedMessage> rows = this.jdbc.query(this.readSql, (rs, n) -> mapRow(rs), this.queueName, lane.name,
                lane.after, this.leases.instanceId(), page);
        for (QueuedMessage row : rows) {
            long id = row.sequence();
            lane.after = Math.max(lane.after, id);
            if (!this.inFlight.containsKey(id) && !this.readAhead.containsKey(id)) {
                this.readAhead.put(id, new Row(row, lane));
                lane.pending++;
            }
        }
        lane.drained = rows.size() < page;
    }

    /** Lanes lost since the last poll take their rows read ahead with them; gained ones are read from the start. */
    private void syncLanes(Set<String> held) {
        if (held == this.lanesSeen) {
            return;
        }
        this.lanes.keySet().removeIf(name -> !held.contains(name));
        this.readAhead.values().removeIf(row -> !held.contains(row.lane.name));
        for (String name : held) {
            this.lanes.computeIfAbsent(name, Lane::new);
        }
        this.lanesSeen = held;
    }

    private void forgetReadAhead() {
        this.readAhead.clear();
        for (Lane lane : this.lanes.values()) {
            lane.after = 0;
            lane.pending = 0;
            lane.drained = false;
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
            int deleted = 0;
            for (int from = 0; from < ids.length; from += DELETE_CHUNK) {
                long[] chunk = Arrays.copyOfRange(ids, from, Math.min(ids.length, from + DELETE_CHUNK));
                deleted += this.jdbc.update(this.deleteSql, ps -> ps.setArray(1, bigints(ps.getConnection(), chunk)));
            }
            for (long id : ids) {
                this.inFlight.remove(id);
            }
            long left = this.count.addAndGet(-deleted);
            if (left < 0) {
                this.count.set(0);
            }
        }
        finally {
            this.lock.unlock();
        }
    }

    private static Array bigints(Connection connection, long[] ids) throws SQLException {
        Long[] boxed = new Long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            boxed[i] = ids[i];
        }
        return connection.createArrayOf("BIGINT", boxed);
    }

    @Override
    public void requeue(Collection<QueuedMessage> messages) {
        this.lock.lock();
        try {
            // The rows never left the table: back to their place among the rows read ahead, if the lane is ours.
            for (QueuedMessage message : messages) {
                Row row = this.inFlight.remove(message.sequence());
                if (row != null && this.lanes.get(row.lane.name) == row.lane
                        && this.readAhead.putIfAbsent(message.sequence(), row) == null) {
                    row.lane.pending++;
                }
            }
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
            this.lanes.values().forEach(lane -> lane.drained = false);
        }
        finally {
            this.lock.unlock();
        }
        if (this.count.get() > this.inFlight.size()) {
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
            Long rows = this.jdbc.queryForObject(
                    this.countSql.formatted(String.join(", ", Collections.nCopies(lanes.size(), "?"))),
                    Long.class, args.toArray());
            this.count.set((rows != null) ? rows : 0);
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

    private void setRow(PreparedStatement ps, int first, String producer, OutboundMessage m) throws SQLException {
        ps.setString(first, this.queueName);
        ps.setString(first + 1, producer);
        OutboxColumns.bind(ps, first + 2, m);
    }

    private static QueuedMessage mapRow(ResultSet rs) throws SQLException {
        return new QueuedMessage(rs.getLong("id"), OutboxColumns.read(rs));
    }

    /** A lane as this instance reads it. */
    private static final class Lane {

        final String name;

        /** The highest id read so far; the next read starts after it. */
        long after;

        /** Rows of this lane in the read-ahead. */
        int pending;

        /** The last read found no more rows; set back by a commit into the lane and by every lease tick. */
        boolean drained;

        Lane(String name) {
            this.name = name;
        }
    }

    /** A row read, with the lane it belongs to. */
    private record Row(QueuedMessage queued, Lane lane) {
    }

    @Override
    public String toString() {
        return "SharedOutboxQueue[" + this.queueName + ", producer=" + this.leases.producer() + "]";
    }
}
