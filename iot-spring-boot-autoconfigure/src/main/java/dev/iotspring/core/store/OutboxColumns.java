package dev.iotspring.core.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.queue.OutboundMessage;

/**
 * How an outbox row stores what is not a plain column of an {@link dev.iotspring.core.queue.OutboundMessage}:
 * the creation instant as epoch nanoseconds and the headers as one URL-encoded string. Public for other outbox
 * tables (the shared outbox), so every outbox reads and writes them alike.
 */
public final class OutboxColumns {

    /** The message's columns, in the order {@link #bind} sets them. */
    public static final String MESSAGE_COLUMNS = "message_id, destination, payload, qos, retain_flag, created_at, "
            + "headers";

    private OutboxColumns() {
    }

    /** Sets the {@link #MESSAGE_COLUMNS} of {@code message} from parameter {@code first} on. */
    public static void bind(PreparedStatement ps, int first, OutboundMessage message) throws SQLException {
        ps.setString(first, message.id());
        ps.setString(first + 1, message.destination());
        ps.setBytes(first + 2, message.payload());
        ps.setInt(first + 3, message.qos());
        ps.setInt(first + 4, message.retain() ? 1 : 0);
        ps.setLong(first + 5, toNanos(message.createdAt()));
        String headers = encodeHeaders(message.headers());
        if (headers != null) {
            ps.setString(first + 6, headers);
        }
        else {
            ps.setNull(first + 6, Types.VARCHAR);
        }
    }

    /** The message in the current row (selected with {@link #MESSAGE_COLUMNS}). */
    public static OutboundMessage read(ResultSet rs) throws SQLException {
        return new OutboundMessage(rs.getString("message_id"), rs.getString("destination"), rs.getBytes("payload"),
                rs.getInt("qos"), rs.getInt("retain_flag") != 0, fromNanos(rs.getLong("created_at")),
                decodeHeaders(rs.getString("headers")));
    }

    public static long toNanos(Instant instant) {
        return OutboxWriter.toNanos(instant);
    }

    public static Instant fromNanos(long nanos) {
        return OutboxWriter.fromNanos(nanos);
    }

    public static @Nullable String encodeHeaders(Map<String, String> headers) {
        return OutboxWriter.encodeHeaders(headers);
    }

    public static Map<String, String> decodeHeaders(@Nullable String encoded) {
        return OutboxWriter.decodeHeaders(encoded);
    }
}
