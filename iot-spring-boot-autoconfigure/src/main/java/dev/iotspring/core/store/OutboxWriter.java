package dev.iotspring.core.store;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.QueuedMessage;

/**
 * The SQL side of a {@link JdbcOutboundQueue}: rows of one queue name in the {@code <prefix>outbox} table,
 * written in one of three ways. On the starter's own SQLite pool a group commit runs plain JDBC on the physical
 * connection with an insert statement prepared once; on any other DataSource one insert commits on its own and
 * larger writes run in a Spring transaction; inside a caller's transaction the rows join it. Not thread-safe:
 * the queue calls it under its lock, or, for a group commit's write, from the one leader while its reads wait.
 */
final class OutboxWriter {

    private static final Logger logger = LoggerFactory.getLogger(JdbcOutboundQueue.class);

    /** Sequences looked up per statement (below SQLite's oldest limit of 999 parameters). */
    private static final int JOURNAL_LOOKUP = 500;

    /** SQLite's {@code synchronous=NORMAL}: in WAL mode a commit is written but not synced. */
    private static final int NORMAL = 1;

    private final JdbcTemplate jdbc;

    private final TransactionTemplate tx;

    private final String queueName;

    private final String insertSql;

    private final String deleteRangeSql;

    private final String readSql;

    private final String statsSql;

    private final String table;

    /** The starter's own SQLite pool: one connection that lives as long as the store. */
    private final boolean exclusiveSqlite;

    /** The physical connection the cached statements belong to. */
    private @Nullable Connection cachedConnection;

    private @Nullable PreparedStatement cachedInsert;

    private @Nullable PreparedStatement cachedDeleteRange;

    /** The store's synchronous level, read once per physical connection. */
    private int synchronous = NORMAL;

    OutboxWriter(JdbcTemplate jdbc, TransactionTemplate tx, SqlDialect dialect, String prefix, String queueName,
            boolean exclusiveSqlite) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.queueName = queueName;
        this.exclusiveSqlite = exclusiveSqlite && dialect.isSqlite();
        String table = prefix + "outbox";
        this.table = table;
        String columns = "seq, message_id, destination, payload, qos, retain_flag, created_at, headers";
        this.insertSql = "INSERT INTO " + table + " (queue_name, " + columns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
        this.deleteRangeSql = "DELETE FROM " + table + " WHERE queue_name = ? AND seq >= ? AND seq <= ?";
        this.readSql = "SELECT " + columns + " FROM " + table + " WHERE queue_name = ? AND seq > ? ORDER BY seq"
                + dialect.limitParameter();
        this.statsSql = "SELECT COUNT(*) AS row_count, MAX(seq) AS max_seq FROM " + table + " WHERE queue_name = ?";
    }

    /** Rows of this queue in the table and the highest sequence (null when there is none). */
    Map<String, Object> stats() {
        return this.jdbc.queryForMap(this.statsSql, this.queueName);
    }

    /** Whether the calling thread runs a Spring transaction on this DataSource (the transactional outbox). */
    boolean inCallerTransaction() {
        DataSource dataSource = this.jdbc.getDataSource();
        return dataSource != null && TransactionSynchronizationManager.isSynchronizationActive()
                && TransactionSynchronizationManager.hasResource(dataSource);
    }

    /** Up to {@code limit} rows after sequence {@code after}, in order. */
    List<QueuedMessage> read(long after, int limit) {
        return this.jdbc.query(this.readSql, this::mapRow, this.queueName, after, limit);
    }

    /**
     * Deletes the rows an {@link AcknowledgementJournal} names, those whose sequence, creation time and message id
     * all match (a row of another database with the same sequence stays); returns how many.
     */
    int deleteJournaled(List<AcknowledgementJournal.Entry> entries) {
        Map<Long, AcknowledgementJournal.Entry> bySequence = new HashMap<>();
        entries.forEach(e -> bySequence.put(e.sequence(), e));
        List<Long> sequences = new ArrayList<>(bySequence.keySet());
        List<Long> deletes = new ArrayList<>();
        for (int from = 0; from < sequences.size(); from += JOURNAL_LOOKUP) {
            List<Long> chunk = sequences.subList(from, Math.min(sequences.size(), from + JOURNAL_LOOKUP));
            String sql = "SELECT seq, message_id, created_at FROM " + this.table + " WHERE queue_name = ? AND seq IN ("
                    + String.join(", ", Collections.nCopies(chunk.size(), "?")) + ")";
            List<Object> args = new ArrayList<>(chunk.size() + 1);
            args.add(this.queueName);
            args.addAll(chunk);
            this.jdbc.query(sql, rs -> {
                long seq = rs.getLong(1);
                if (bySequence.get(seq).names(seq, rs.getLong(3), rs.getString(2))) {
                    deletes.add(seq);
                }
            }, args.toArray());
        }
        deletes.sort(null);
        commit(List.of(), deletes);
        return deletes.size();
    }

    /**
     * A group commit: the inserts and the deletes (acknowledged rows, overflow victims), committed together
     * before returning.
     * @param deletes sequences in ascending order, each once
     */
    void commit(List<QueuedMessage> inserts, List<Long> deletes) {
        List<long[]> ranges = ranges(deletes);
        if (inserts.isEmpty() && ranges.isEmpty()) {
            return;
        }
        if (this.exclusiveSqlite) {
            writeDirect(inserts, ranges);
        }
        else if (inserts.size() + ranges.size() == 1) {
            // One statement commits on its own: no transaction demarcation round trips.
            if (inserts.isEmpty()) {
                this.jdbc.update(this.deleteRangeSql, this.queueName, ranges.get(0)[0], ranges.get(0)[1]);
            }
            else {
                this.jdbc.update(this.insertSql, ps -> setRow(ps, inserts.get(0)));
            }
        }
        else {
            this.tx.executeWithoutResult(status -> {
                insertRows(inserts);
                if (!ranges.isEmpty()) {
                    this.jdbc.batchUpdate(this.deleteRangeSql, ranges, ranges.size(), (ps, range) -> {
                        ps.setString(1, this.queueName);
                        ps.setLong(2, range[0]);
                        ps.setLong(3, range[1]);
                    });
                }
            });
        }
    }

    /**
     * Runs of consecutive sequences, each deleted by one statement: a dispatcher acknowledges mostly in order,
     * so a window of acknowledgements is usually one range. Only sequences in the list are in a range.
     */
    static List<long[]> ranges(List<Long> sortedSequences) {
        List<long[]> ranges = new ArrayList<>();
        long[] current = null;
        for (long seq : sortedSequences) {
            if (current != null && seq == current[1] + 1) {
                current[1] = seq;
            }
            else {
                current = new long[] { seq, seq };
                ranges.add(current);
            }
        }
        return ranges;
    }

    /**
     * Inserts the rows whose sequence is not in the table yet (SQLite's {@code INSERT OR IGNORE}: the intake
     * journal's replay, where some rows may have been committed before the process stopped); returns how many.
     */
    int insertMissing(List<QueuedMessage> rows) {
        String sql = this.insertSql.replaceFirst("^INSERT ", "INSERT OR IGNORE ");
        int[][] counts = Objects.requireNonNull(
                this.tx.execute(status -> this.jdbc.batchUpdate(sql, rows, rows.size(), this::setRow)));
        int inserted = 0;
        for (int[] chunk : counts) {
            for (int count : chunk) {
                inserted += Math.max(count, 0);
            }
        }
        return inserted;
    }

    /** Inserts in whatever transaction the calling thread runs (the caller's own, for the outbox). */
    void insertRows(List<QueuedMessage> rows) {
        if (rows.isEmpty()) {
            return;
        }
        this.jdbc.batchUpdate(this.insertSql, rows, rows.size(), this::setRow);
    }

    /** Releases the cached statement; the DataSource stays open. */
    void close() {
        // The driver serialises calls on a connection, so finalizing the statement is safe even while someone
        // else holds the connection.
        forgetStatements();
    }

    /**
     * The group commit on the starter's own SQLite pool: one statement in autocommit, or BEGIN, a JDBC batch
     * and COMMIT, all on the physical connection with a reused insert statement. Same durability as the
     * transaction template (the commit returns once SQLite has synced under {@code synchronous=FULL}).
     */
    private void writeDirect(List<QueuedMessage> inserts, List<long[]> ranges) {
        DataSource dataSource = Objects.requireNonNull(this.jdbc.getDataSource());
        String sql = inserts.isEmpty() ? this.deleteRangeSql : this.insertSql;
        // Straight from the pool (not bound to the thread): no caller transaction on it, the queue checked.
        try (Connection pooled = dataSource.getConnection()) {
            Connection physical = pooled.unwrap(Connection.class);
            Connection con = (physical != null) ? physical : pooled;
            prepareStatements(con);
            PreparedStatement insert = Objects.requireNonNull(this.cachedInsert);
            PreparedStatement deleteRange = Objects.requireNonNull(this.cachedDeleteRange);
            // Only acknowledgements: a delete lost to a power cut sends a message twice, it never loses one, so it
            // need not wait for a sync. The WAL keeps it across a process crash, and the next synced commit makes
            // it durable with everything before it.
            boolean unsynced = inserts.isEmpty() && this.synchronous > NORMAL;
            if (unsynced) {
                setSynchronous(con, NORMAL);
            }
            try {
                writeOn(con, insert, deleteRange, inserts, ranges);
            }
            finally {
                if (unsynced) {
                    setSynchronous(con, this.synchronous);
                }
            }
        }
        catch (SQLException ex) {
            forgetStatements();
            RuntimeException translated = this.jdbc.getExceptionTranslator().translate("offer", sql, ex);
            throw (translated != null) ? translated : new IllegalStateException(ex);
        }
    }

    private void writeOn(Connection con, PreparedStatement insert, PreparedStatement deleteRange,
            List<QueuedMessage> inserts, List<long[]> ranges) throws SQLException {
        if (inserts.size() + ranges.size() == 1) {
            // One statement commits on its own: no transaction demarcation round trips.
            if (inserts.isEmpty()) {
                setRange(deleteRange, ranges.get(0));
                deleteRange.executeUpdate();
            }
            else {
                setRow(insert, inserts.get(0));
                insert.executeUpdate();
            }
            return;
        }
        try {
            con.setAutoCommit(false);
            for (QueuedMessage row : inserts) {
                setRow(insert, row);
                insert.addBatch();
            }
            if (!inserts.isEmpty()) {
                insert.executeBatch();
            }
            for (long[] range : ranges) {
                setRange(deleteRange, range);
                deleteRange.executeUpdate();
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

    /** SQLite's {@code PRAGMA synchronous} of the connection (0 off, 1 normal, 2 full, 3 extra). */
    private static int readSynchronous(Connection con) throws SQLException {
        try (Statement statement = con.createStatement(); ResultSet rs = statement.executeQuery("PRAGMA synchronous")) {
            return rs.next() ? rs.getInt(1) : NORMAL;
        }
    }

    private static void setSynchronous(Connection con, int level) throws SQLException {
        try (Statement statement = con.createStatement()) {
            statement.execute("PRAGMA synchronous=" + level);
        }
    }

    private void setRange(PreparedStatement ps, long[] range) throws SQLException {
        ps.setString(1, this.queueName);
        ps.setLong(2, range[0]);
        ps.setLong(3, range[1]);
    }

    /** The statements prepared on this physical connection, prepared again if the pool replaced it. */
    private void prepareStatements(Connection physical) throws SQLException {
        if (this.cachedInsert == null || this.cachedDeleteRange == null || this.cachedConnection != physical) {
            forgetStatements();
            this.cachedConnection = physical;
            this.cachedInsert = physical.prepareStatement(this.insertSql);
            this.cachedDeleteRange = physical.prepareStatement(this.deleteRangeSql);
            this.synchronous = readSynchronous(physical);
        }
    }

    private void forgetStatements() {
        PreparedStatement insert = this.cachedInsert;
        PreparedStatement deleteRange = this.cachedDeleteRange;
        this.cachedInsert = null;
        this.cachedDeleteRange = null;
        this.cachedConnection = null;
        closeQuietly(insert);
        closeQuietly(deleteRange);
    }

    private void closeQuietly(@Nullable PreparedStatement statement) {
        if (statement != null) {
            try {
                statement.close();
            }
            catch (SQLException ex) {
                logger.debug("Could not close a cached statement of queue {}", this.queueName, ex);
            }
        }
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
}
