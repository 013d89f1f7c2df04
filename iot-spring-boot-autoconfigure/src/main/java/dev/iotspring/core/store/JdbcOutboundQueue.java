package dev.iotspring.core.store;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.iotspring.core.queue.DropListener;
import dev.iotspring.core.queue.DropListeners;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.OverflowPolicy;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueueFullException;
import dev.iotspring.core.queue.QueuedMessage;

/**
 * A durable FIFO {@link OutboundQueue} in a table ({@code <prefix>outbox}), one row per message, keyed by queue
 * name and sequence. Several queues (one per platform stream, or one per application instance on a shared
 * database) can live in the same table; each queue name must have a single writer process.
 *
 * <ul>
 * <li><b>Group commit.</b> Concurrent {@link #offer} calls are gathered: the first caller to get the write lock
 * inserts every message waiting at that moment in one transaction, the others find theirs committed. Each
 * caller returns only once its message is committed (with {@code synchronous=FULL}, on disk).</li>
 * <li><b>In flight in memory only.</b> {@link #poll} marks rows in flight without writing; {@link #ack} deletes
 * them. After a crash every row that was in flight is still there and comes back at its place on the next open
 * (at least once; duplicates bounded by the dispatcher's window).</li>
 * <li><b>Bound.</b> Optional, with the overflow rules of {@link InMemoryQueue}, applied to queued (not in
 * flight) rows.</li>
 * <li><b>Transactional outbox.</b> On an application's DataSource ({@link IotStore#of}), an offer made inside a
 * Spring transaction on that DataSource joins it: the message is sent only if the business data it belongs to
 * commits.</li>
 * </ul>
 */
public class JdbcOutboundQueue implements OutboundQueue {

    private static final Logger logger = LoggerFactory.getLogger(JdbcOutboundQueue.class);

    static final String COMPONENT = "outbox";

    static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "outbox table",
            "CREATE TABLE ${prefix}outbox (queue_name VARCHAR(100) NOT NULL, seq BIGINT NOT NULL, "
                    + "message_id VARCHAR(255) NOT NULL, destination VARCHAR(1024) NOT NULL, "
                    + "payload ${binary} NOT NULL, qos SMALLINT NOT NULL, retain_flag SMALLINT NOT NULL, "
                    + "created_at BIGINT NOT NULL, headers VARCHAR(4000), PRIMARY KEY (queue_name, seq))"));

    private static final int DELETE_CHUNK = 500;

    private final JdbcTemplate jdbc;

    private final TransactionTemplate tx;

    private final String queueName;

    private final OverflowPolicy overflow;

    private final String insertSql;

    private final String deleteSql;

    private final String pollSql;

    private final String oldestSql;

    private final Runnable onClose;

    /**
     * The starter's own SQLite pool (one connection that lives as long as the store): group commits run plain
     * JDBC on the physical connection with an insert statement prepared once, instead of a Spring transaction
     * and a statement prepared per call.
     */
    private final boolean exclusiveSqlite;

    /** The physical connection {@link #cachedInsert} belongs to; both only used under the lock. */
    private @Nullable Connection cachedConnection;

    private @Nullable PreparedStatement cachedInsert;

    /** Guards everything below and serialises writes; offers queue up behind it for group commit. */
    private final ReentrantLock lock = new ReentrantLock();

    /** Offers waiting for the next group commit; filled without the lock while a commit runs. */
    private final ConcurrentLinkedQueue<OfferRequest> waiting = new ConcurrentLinkedQueue<>();

    private final Map<Long, QueuedMessage> inFlight = new HashMap<>();

    /** Messages returned by requeue: all below the cursor, handed out again before anything newer. */
    private final TreeMap<Long, QueuedMessage> requeued = new TreeMap<>();

    private final DropListeners dropListeners = new DropListeners(JdbcOutboundQueue.class);

    private long nextSequence;

    /** Highest sequence read from the table; rows above it have never been handed out in this run. */
    private long cursor = -1;

    /** Rows of this queue in the table: queued plus in flight. Written under the lock, read without it. */
    private volatile int count;

    private volatile long dropped;

    /** Transactions that committed offers (group commit makes this lower than the number of offers). */
    private long offerTransactions;

    /** Sequences inserted in callers' transactions that are not committed (or not seen by poll) yet. */
    private final java.util.Set<Long> uncommitted = new java.util.HashSet<>();

    private final List<Runnable> arrivalListeners = new CopyOnWriteArrayList<>();

    private volatile boolean closed;

    JdbcOutboundQueue(JdbcTemplate jdbc, TransactionTemplate tx, SqlDialect dialect, String prefix,
            String queueName, OverflowPolicy overflow, Runnable onClose) {
        this(jdbc, tx, dialect, prefix, queueName, overflow, onClose, false);
    }

    JdbcOutboundQueue(JdbcTemplate jdbc, TransactionTemplate tx, SqlDialect dialect, String prefix,
            String queueName, OverflowPolicy overflow, Runnable onClose, boolean exclusiveSqlite) {
        this.exclusiveSqlite = exclusiveSqlite && dialect.isSqlite();
        this.jdbc = jdbc;
        this.tx = tx;
        this.queueName = queueName;
        this.overflow = overflow;
        this.onClose = onClose;
        String table = prefix + "outbox";
        String columns = "seq, message_id, destination, payload, qos, retain_flag, created_at, headers";
        this.insertSql = "INSERT INTO " + table + " (queue_name, " + columns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
        this.deleteSql = "DELETE FROM " + table + " WHERE queue_name = ? AND seq = ?";
        this.pollSql = "SELECT " + columns + " FROM " + table + " WHERE queue_name = ? AND seq > ? ORDER BY seq"
                + dialect.limitParameter();
        this.oldestSql = this.pollSql;
        Map<String, Object> stats = jdbc.queryForMap(
                "SELECT COUNT(*) AS row_count, MAX(seq) AS max_seq FROM " + table + " WHERE queue_name = ?",
                queueName);
        this.count = ((Number) stats.get("row_count")).intValue();
        Number last = (Number) stats.get("max_seq");
        this.nextSequence = (last != null) ? last.longValue() + 1 : 0;
        if (this.count > 0) {
            logger.info("Outbound queue {} opened with {} messages from a previous run", queueName, this.count);
        }
    }

    // ---- offer: group commit -------------------------------------------------------------------------------

    @Override
    public void offer(OutboundMessage message) {
        offerAll(List.of(message));
    }

    @Override
    public void offerAll(List<OutboundMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        messages.forEach(m -> Objects.requireNonNull(m, "message"));
        checkOpen();
        DataSource dataSource = this.jdbc.getDataSource();
        if (dataSource != null && TransactionSynchronizationManager.isSynchronizationActive()
                && TransactionSynchronizationManager.hasResource(dataSource)) {
            offerInCallerTransaction(List.copyOf(messages));
            return;
        }
        OfferRequest request = new OfferRequest(List.copyOf(messages));
        this.waiting.add(request);
        // Whoever gets the lock first commits everything waiting, this request included or not.
        this.lock.lock();
        try {
            if (!request.done) {
                checkOpen();
                commitWaiting();
            }
        }
        finally {
            this.lock.unlock();
        }
        request.dropped.forEach(this::notifyDropped);
        if (request.failure != null) {
            throw request.failure;
        }
    }

    /** Runs under the lock: one transaction for every waiting request. */
    private void commitWaiting() {
        List<OfferRequest> batch = new ArrayList<>();
        OfferRequest next;
        while ((next = this.waiting.poll()) != null) {
            batch.add(next);
        }
        // Plan in memory first; apply to the in-memory state only after the commit.
        List<QueuedMessage> inserts = new ArrayList<>();
        List<QueuedMessage> persistedVictims = new ArrayList<>();
        List<Long> requeuedVictims = new ArrayList<>();
        long sequence = this.nextSequence;
        long victimCursor = this.cursor;
        int queued = this.count - this.inFlight.size();
        int requeuedLeft = this.requeued.size();
        long droppedNow = 0;
        for (OfferRequest request : batch) {
            for (OutboundMessage message : request.messages) {
                if (this.overflow.isFull(queued)) {
                    if (this.overflow.strategy() == OverflowStrategy.RAISE_EXCEPTION) {
                        request.failure = new QueueFullException(queued + this.inFlight.size(),
                                this.dropped + droppedNow, message.id());
                        break;
                    }
                    droppedNow++;
                    if (this.overflow.strategy() == OverflowStrategy.DROP_NEWEST) {
                        request.dropped.add(message);
                        logger.warn("Queue {} full (max-size {}): dropped the new message {}", this.queueName,
                                this.overflow.maxSize(), message.id());
                        continue;
                    }
                    // DROP_OLDEST: requeued rows are oldest, then unread rows, then this batch's own inserts.
                    OutboundMessage victim;
                    if (requeuedVictims.size() < requeuedLeft) {
                        Long key = this.requeued.keySet().stream().skip(requeuedVictims.size()).findFirst()
                                .orElseThrow();
                        requeuedVictims.add(key);
                        victim = this.requeued.get(key).message();
                    }
                    else {
                        List<QueuedMessage> oldest = this.jdbc.query(this.oldestSql, this::mapRow, this.queueName,
                                victimCursor, 1);
                        if (!oldest.isEmpty()) {
                            persistedVictims.add(oldest.get(0));
                            victimCursor = oldest.get(0).sequence();
                            victim = oldest.get(0).message();
                        }
                        else {
                            victim = inserts.remove(0).message();
                        }
                    }
                    request.dropped.add(victim);
                    logger.warn("Queue {} full (max-size {}): dropped the oldest message {}", this.queueName,
                            this.overflow.maxSize(), victim.id());
                    queued--;
                }
                inserts.add(new QueuedMessage(sequence++, message));
                queued++;
            }
        }
        try {
            List<Long> victims = new ArrayList<>(requeuedVictims);
            persistedVictims.forEach(v -> victims.add(v.sequence()));
            if (this.exclusiveSqlite) {
                writeDirect(inserts, victims);
            }
            else if (inserts.size() == 1 && victims.isEmpty()) {
                // One statement commits on its own: no transaction demarcation round trips.
                insertRow(inserts.get(0));
            }
            else {
                this.tx.executeWithoutResult(status -> {
                    insertRows(inserts);
                    deleteRows(victims);
                });
            }
        }
        catch (RuntimeException ex) {
            RuntimeException failure = ex;
            if (ex instanceof DuplicateKeyException) {
                failure = new IllegalStateException("Outbound queue " + this.queueName + " found its next sequence "
                        + "already used: another process writes the same queue name (give each instance its own)",
                        ex);
            }
            for (OfferRequest request : batch) {
                request.dropped.clear();
                request.failure = failure;
                request.done = true;
            }
            throw failure;
        }
        this.nextSequence = sequence;
        this.offerTransactions++;
        requeuedVictims.forEach(this.requeued::remove);
        int deletedRows = requeuedVictims.size() + persistedVictims.size();
        this.count += inserts.size() - deletedRows;
        this.dropped += droppedNow;
        for (OfferRequest request : batch) {
            request.done = true;
        }
    }

    /**
     * The group commit on the starter's own SQLite pool: one statement in autocommit, or BEGIN, a JDBC batch
     * and COMMIT, all on the physical connection with a reused insert statement. Same durability as the
     * transaction template (the commit returns once SQLite has synced under {@code synchronous=FULL}).
     */
    private void writeDirect(List<QueuedMessage> inserts, List<Long> victims) {
        DataSource dataSource = Objects.requireNonNull(this.jdbc.getDataSource());
        String sql = this.insertSql;
        // Straight from the pool (not bound to the thread): no caller transaction on it, this method checked.
        try (Connection pooled = dataSource.getConnection()) {
            Connection physical = pooled.unwrap(Connection.class);
            PreparedStatement insert = insertStatement((physical != null) ? physical : pooled);
            if (inserts.size() == 1 && victims.isEmpty()) {
                // One statement commits on its own: no transaction demarcation round trips.
                setRow(insert, inserts.get(0));
                insert.executeUpdate();
                return;
            }
            Connection con = (physical != null) ? physical : pooled;
            try {
                con.setAutoCommit(false);
                for (QueuedMessage row : inserts) {
                    setRow(insert, row);
                    insert.addBatch();
                }
                if (!inserts.isEmpty()) {
                    insert.executeBatch();
                }
                if (!victims.isEmpty()) {
                    sql = this.deleteSql;
                    try (PreparedStatement delete = con.prepareStatement(this.deleteSql)) {
                        for (Long seq : victims) {
                            delete.setString(1, this.queueName);
                            delete.setLong(2, seq);
                            delete.addBatch();
                        }
                        delete.executeBatch();
                    }
                }
                con.commit();
            }
            catch (SQLException | RuntimeException ex) {
                try {
                    insert.clearBatch();
                    if (!con.getAutoCommit()) {
                        con.rollback();
                    }
                }
                catch (SQLException rollbackFailure) {
                    ex.addSuppressed(rollbackFailure);
                }
                throw ex;
            }
            finally {
                // Back to autocommit as the pool handed it out (ends the empty transaction the driver begins).
                con.setAutoCommit(true);
            }
        }
        catch (SQLException ex) {
            forgetInsertStatement();
            RuntimeException translated = this.jdbc.getExceptionTranslator().translate("offer", sql, ex);
            throw (translated != null) ? translated : new IllegalStateException(ex);
        }
    }

    /** The insert statement prepared on this physical connection, prepared again if the pool replaced it. */
    private PreparedStatement insertStatement(Connection physical) throws SQLException {
        if (this.cachedInsert == null || this.cachedConnection != physical) {
            forgetInsertStatement();
            this.cachedInsert = physical.prepareStatement(this.insertSql);
            this.cachedConnection = physical;
        }
        return this.cachedInsert;
    }

    private void forgetInsertStatement() {
        PreparedStatement statement = this.cachedInsert;
        this.cachedInsert = null;
        this.cachedConnection = null;
        if (statement != null) {
            try {
                statement.close();
            }
            catch (SQLException ex) {
                logger.debug("Could not close the cached insert of queue {}", this.queueName, ex);
            }
        }
    }

    private void insertRow(QueuedMessage row) {
        this.jdbc.update(this.insertSql, ps -> setRow(ps, row));
    }

    private void insertRows(List<QueuedMessage> rows) {
        if (rows.isEmpty()) {
            return;
        }
        this.jdbc.batchUpdate(this.insertSql, rows, rows.size(), this::setRow);
    }

    private void setRow(PreparedStatement ps, QueuedMessage row) throws SQLException {
        OutboundMessage m = row.message();
        ps.setString(1, this.queueName);
        ps.setLong(2, row.sequence());
        ps.setString(3, m.id());
        ps.setString(4, m.destination());
        ps.setBytes(5, m.payload());
        ps.setInt(6, m.qos());
        ps.setInt(7, m.retain() ? 1 : 0);
        ps.setLong(8, toNanos(m.createdAt()));
        String headers = encodeHeaders(m.headers());
        if (headers != null) {
            ps.setString(9, headers);
        }
        else {
            ps.setNull(9, Types.VARCHAR);
        }
    }

    /**
     * Transactional outbox: the caller runs a Spring transaction on this queue's DataSource (its own business
     * data in the same database), so the rows are written in that transaction and become deliverable only when
     * it commits; a rollback leaves no message behind. Outside the group commit, since one caller's transaction
     * must not carry other callers' messages.
     *
     * <p>The bound is checked with the caller's rows counted as soon as they are written. Inside a caller's
     * transaction {@link OverflowStrategy#DROP_OLDEST} drops the new message instead: removing an older row in a
     * transaction that may still roll back would race the dispatcher that is sending it.
     */
    private void offerInCallerTransaction(List<OutboundMessage> messages) {
        List<QueuedMessage> rows = new ArrayList<>(messages.size());
        List<OutboundMessage> droppedNow = new ArrayList<>(0);
        this.lock.lock();
        try {
            checkOpen();
            int queued = this.count - this.inFlight.size();
            for (OutboundMessage message : messages) {
                if (this.overflow.isFull(queued)) {
                    if (this.overflow.strategy() == OverflowStrategy.RAISE_EXCEPTION) {
                        // Refuse the whole call: the caller's transaction decides what happens to its data.
                        rows.forEach(r -> this.uncommitted.remove(r.sequence()));
                        throw new QueueFullException(this.count, this.dropped, message.id());
                    }
                    this.dropped++;
                    droppedNow.add(message);
                    logger.warn("Queue {} full (max-size {}): dropped the new message {}", this.queueName,
                            this.overflow.maxSize(), message.id());
                    continue;
                }
                QueuedMessage row = new QueuedMessage(this.nextSequence++, message);
                rows.add(row);
                this.uncommitted.add(row.sequence());
                queued++;
            }
            this.count += rows.size();
        }
        finally {
            this.lock.unlock();
        }
        try {
            insertRows(rows);
        }
        catch (RuntimeException ex) {
            forgetUncommitted(rows, false);
            throw ex;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCompletion(int status) {
                forgetUncommitted(rows, status == STATUS_COMMITTED);
                if (status == STATUS_COMMITTED) {
                    JdbcOutboundQueue.this.arrivalListeners.forEach(Runnable::run);
                }
            }
        });
        droppedNow.forEach(this::notifyDropped);
    }

    private void forgetUncommitted(List<QueuedMessage> rows, boolean committed) {
        this.lock.lock();
        try {
            for (QueuedMessage row : rows) {
                boolean unseen = this.uncommitted.remove(row.sequence());
                if (committed && unseen && row.sequence() <= this.cursor) {
                    // poll moved past this sequence while the row was invisible: hand it out at its place.
                    this.requeued.put(row.sequence(), row);
                }
            }
            if (!committed) {
                this.count -= rows.size();
            }
        }
        finally {
            this.lock.unlock();
        }
    }

    // ---- consumer side (the dispatcher thread) -------------------------------------------------------------

    @Override
    public List<QueuedMessage> poll(int max) {
        if (max <= 0) {
            return List.of();
        }
        this.lock.lock();
        try {
            checkOpen();
            List<QueuedMessage> taken = new ArrayList<>(Math.min(max, 256));
            while (taken.size() < max && !this.requeued.isEmpty()) {
                taken.add(this.requeued.pollFirstEntry().getValue());
            }
            int queuedUnread = this.count - this.inFlight.size() - this.requeued.size() - taken.size();
            if (taken.size() < max && queuedUnread > 0) {
                List<QueuedMessage> rows = this.jdbc.query(this.pollSql, this::mapRow, this.queueName, this.cursor,
                        Math.min(max - taken.size(), queuedUnread));
                if (!rows.isEmpty()) {
                    this.cursor = rows.get(rows.size() - 1).sequence();
                    taken.addAll(rows);
                    if (!this.uncommitted.isEmpty()) {
                        rows.forEach(r -> this.uncommitted.remove(r.sequence()));
                    }
                }
            }
            taken.forEach(q -> this.inFlight.put(q.sequence(), q));
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
        this.lock.lock();
        try {
            checkOpen();
            List<Long> sequences = new ArrayList<>(messages.size());
            for (QueuedMessage message : messages) {
                if (this.inFlight.containsKey(message.sequence())) {
                    sequences.add(message.sequence());
                }
            }
            if (sequences.size() == 1) {
                this.jdbc.update(this.deleteSql, this.queueName, sequences.get(0));
            }
            else if (!sequences.isEmpty()) {
                this.tx.executeWithoutResult(status -> deleteRows(sequences));
            }
            sequences.forEach(this.inFlight::remove);
            this.count -= sequences.size();
        }
        finally {
            this.lock.unlock();
        }
    }

    @Override
    public void requeue(Collection<QueuedMessage> messages) {
        this.lock.lock();
        try {
            for (QueuedMessage message : messages) {
                QueuedMessage held = this.inFlight.remove(message.sequence());
                if (held != null) {
                    this.requeued.put(held.sequence(), held);
                }
            }
        }
        finally {
            this.lock.unlock();
        }
    }

    private void deleteRows(List<Long> sequences) {
        for (int from = 0; from < sequences.size(); from += DELETE_CHUNK) {
            List<Long> chunk = sequences.subList(from, Math.min(sequences.size(), from + DELETE_CHUNK));
            this.jdbc.batchUpdate(this.deleteSql, chunk, chunk.size(), (ps, seq) -> {
                ps.setString(1, this.queueName);
                ps.setLong(2, seq);
            });
        }
    }

    // ---- state ---------------------------------------------------------------------------------------------

    /** Without the lock: a metrics scrape never waits for a commit's fsync. */
    @Override
    public int size() {
        return this.count;
    }

    @Override
    public long droppedCount() {
        return this.dropped;
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

    /** How many transactions offers needed so far; below the number of offers when producers overlap. */
    public long offerTransactions() {
        this.lock.lock();
        try {
            return this.offerTransactions;
        }
        finally {
            this.lock.unlock();
        }
    }

    public String getQueueName() {
        return this.queueName;
    }

    /**
     * Forgets in-flight marks (rows stay) and releases the queue name; further use fails. The store's DataSource
     * stays open.
     */
    @Override
    public void close() {
        this.lock.lock();
        try {
            if (this.closed) {
                return;
            }
            this.closed = true;
            // No commit runs now (we hold the lock) and none starts once closed. The driver serialises calls
            // on a connection, so finalizing the statement is safe even while someone else holds it.
            forgetInsertStatement();
        }
        finally {
            this.lock.unlock();
        }
        this.onClose.run();
    }

    private void checkOpen() {
        if (this.closed) {
            throw new IllegalStateException("Outbound queue " + this.queueName + " is closed");
        }
    }

    private void notifyDropped(OutboundMessage message) {
        this.dropListeners.dropped(message);
    }

    // ---- mapping -------------------------------------------------------------------------------------------

    private QueuedMessage mapRow(ResultSet rs, int row) throws SQLException {
        OutboundMessage message = new OutboundMessage(rs.getString("message_id"), rs.getString("destination"),
                rs.getBytes("payload"), rs.getInt("qos"), rs.getInt("retain_flag") != 0,
                fromNanos(rs.getLong("created_at")), decodeHeaders(rs.getString("headers")));
        return new QueuedMessage(rs.getLong("seq"), message);
    }

    static long toNanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }

    static Instant fromNanos(long nanos) {
        return Instant.ofEpochSecond(0, nanos);
    }

    static @Nullable String encodeHeaders(Map<String, String> headers) {
        if (headers.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        headers.forEach((k, v) -> {
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
        return sb.toString();
    }

    static Map<String, String> decodeHeaders(@Nullable String encoded) {
        if (encoded == null || encoded.isEmpty()) {
            return Map.of();
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String pair : encoded.split("&")) {
            int eq = pair.indexOf('=');
            headers.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return headers;
    }

    @Override
    public String toString() {
        return "JdbcOutboundQueue[" + this.queueName + ", maxSize=" + this.overflow.maxSize() + ", overflow="
                + this.overflow.strategy() + "]";
    }

    private static final class OfferRequest {

        final List<OutboundMessage> messages;

        final List<OutboundMessage> dropped = new ArrayList<>(0);

        volatile boolean done;

        @Nullable RuntimeException failure;

        OfferRequest(List<OutboundMessage> messages) {
            this.messages = messages;
        }
    }
}
