package dev.iotspring.core.store;

import java.sql.SQLException;

import org.jspecify.annotations.Nullable;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.support.AbstractFallbackSQLExceptionTranslator;
import org.springframework.jdbc.support.SQLExceptionSubclassTranslator;

/**
 * Maps SQLite result codes to Spring's exception hierarchy; sqlite-jdbc sets no SQL state, so Spring's default
 * translation leaves them all "uncategorized".
 */
final class SqliteExceptionTranslator extends AbstractFallbackSQLExceptionTranslator {

    private static final int SQLITE_BUSY = 5;

    private static final int SQLITE_LOCKED = 6;

    private static final int SQLITE_FULL = 13;

    private static final int SQLITE_CANTOPEN = 14;

    private static final int SQLITE_CONSTRAINT = 19;

    SqliteExceptionTranslator() {
        setFallbackTranslator(new SQLExceptionSubclassTranslator());
    }

    @Override
    protected @Nullable DataAccessException doTranslate(String task, @Nullable String sql, SQLException ex) {
        String message = buildMessage(task, sql, ex);
        // Extended result codes keep the primary code in the low byte.
        return switch (ex.getErrorCode() & 0xff) {
            case SQLITE_CONSTRAINT -> {
                String text = String.valueOf(ex.getMessage());
                yield (text.contains("PRIMARY KEY") || text.contains("UNIQUE"))
                        ? new DuplicateKeyException(message, ex) : new DataIntegrityViolationException(message, ex);
            }
            case SQLITE_BUSY, SQLITE_LOCKED -> new CannotAcquireLockException(message, ex);
            case SQLITE_FULL, SQLITE_CANTOPEN -> new DataAccessResourceFailureException(message, ex);
            default -> null;
        };
    }
}
