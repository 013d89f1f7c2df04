package dev.iotspring.core.queue.shared;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;

import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.QueuedMessage;
import dev.iotspring.core.store.OutboxColumns;

/**
 * The statements one {@link SharedOutboxQueue} runs on the {@code shared_outbox} table, in SQL that PostgreSQL and
 * H2 both take: multi-row {@code INSERT} returning the generated ids, a lane read joined to its lease row,
 * {@code DELETE ... WHERE id = ANY (?)} with a {@code BIGINT} array, and the count of the lanes held.
 */
final class SharedOutboxSql {

    /** Rows per INSERT statement: up to this many, one statement is atomic without a transaction of its own. */
    static final int INSERT_CHUNK = 100;

    /** Ids per DELETE; PostgreSQL takes far more, this keeps one statement's array small. */
    private static final int DELETE_CHUNK = 1000;

    private static final String COLUMNS = OutboxColumns.MESSAGE_COLUMNS;

    private static final String[] ID_COLUMN = { "id" };

    /** queue_name, producer and the message's columns. */
    private static final int ROW_PARAMETERS = 9;

    private final JdbcTemplate jdbc;

    private final String queueName;

    private final String insertPrefix;

    /** Multi-row INSERT statements by row count. */
    private final Map<Integer, String> insertSql = new ConcurrentHashMap<>();

    private final String readSql;

    private final String oldestSql;

    private final String deleteSql;

    private final String deleteOneSql;

    private final String countSql;

    SharedOutboxSql(JdbcTemplate jdbc, String prefix, String queueName) {
        this.jdbc = jdbc;
        this.queueName = queueName;
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
    }

    @Nullable DataSource dataSource() {
        return this.jdbc.getDataSource();
    }

    /**
     * Inserts the rows, up to {@value #INSERT_CHUNK} per multi-row {@code INSERT} (one statement for the database
     * to run instead of one per row); returns the lowest id they got.
     */
    long insert(String producer, List<OutboundMessage> messages) {
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

    /** Up to {@code page} rows of {@code lane} after id {@code after}, none unless {@code owner} holds its lease. */
    List<QueuedMessage> read(String lane, long after, String owner, int page) {
        return this.jdbc.query(this.readSql, (rs, n) -> mapRow(rs), this.queueName, lane, after, owner, page);
    }

    /** The oldest {@code limit} rows of {@code lane}, lease or not. */
    List<QueuedMessage> oldest(String lane, int limit) {
        return this.jdbc.query(this.oldestSql, (rs, n) -> mapRow(rs), this.queueName, lane, limit);
    }

    boolean deleteOne(long id) {
        return this.jdbc.update(this.deleteOneSql, id) > 0;
    }

    /** Deletes the rows, {@value #DELETE_CHUNK} ids per statement; returns how many were still there. */
    int delete(long[] ids) {
        int deleted = 0;
        for (int from = 0; from < ids.length; from += DELETE_CHUNK) {
            long[] chunk = Arrays.copyOfRange(ids, from, Math.min(ids.length, from + DELETE_CHUNK));
            deleted += this.jdbc.update(this.deleteSql, ps -> ps.setArray(1, bigints(ps.getConnection(), chunk)));
        }
        return deleted;
    }

    private static Array bigints(Connection connection, long[] ids) throws SQLException {
        Long[] boxed = new Long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            boxed[i] = ids[i];
        }
        return connection.createArrayOf("BIGINT", boxed);
    }

    /** The rows of these lanes. */
    long count(Set<String> lanes) {
        List<Object> args = new ArrayList<>(lanes.size() + 1);
        args.add(this.queueName);
        args.addAll(lanes);
        Long rows = this.jdbc.queryForObject(
                this.countSql.formatted(String.join(", ", Collections.nCopies(lanes.size(), "?"))), Long.class,
                args.toArray());
        return (rows != null) ? rows : 0;
    }

    private void setRow(PreparedStatement ps, int first, String producer, OutboundMessage m) throws SQLException {
        ps.setString(first, this.queueName);
        ps.setString(first + 1, producer);
        OutboxColumns.bind(ps, first + 2, m);
    }

    private static QueuedMessage mapRow(ResultSet rs) throws SQLException {
        return new QueuedMessage(rs.getLong("id"), OutboxColumns.read(rs));
    }
}
