package dev.iotspring.core.store;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A small versioned migration runner: every component of a store (the outbox, the key-value store, a
 * platform's own tables) has its own version row in {@code <prefix>schema_version} and its own ordered list of
 * {@link Migration}s. Opening a store applies the missing steps; a database written by a newer version of the
 * starter (a version above the known ones) is refused rather than misread.
 */
public final class SchemaMigrations {

    private static final Logger logger = LoggerFactory.getLogger(SchemaMigrations.class);

    private SchemaMigrations() {
    }

    /**
     * Brings {@code component} to the last version in {@code migrations}.
     * @return the version the component had before
     */
    public static int migrate(JdbcTemplate jdbc, TransactionTemplate tx, SqlDialect dialect, String prefix,
            String component, List<Migration> migrations) {
        for (int i = 0; i < migrations.size(); i++) {
            if (migrations.get(i).version() != i + 1) {
                throw new IllegalArgumentException("migrations of " + component + " must be numbered 1.."
                        + migrations.size() + " in order");
            }
        }
        String versions = prefix + "schema_version";
        jdbc.execute("CREATE TABLE IF NOT EXISTS " + versions
                + " (component VARCHAR(100) NOT NULL PRIMARY KEY, version INTEGER NOT NULL)");
        Integer before = tx.execute(status -> {
            List<Integer> found = jdbc.queryForList("SELECT version FROM " + versions + " WHERE component = ?",
                    Integer.class, component);
            int current = found.isEmpty() ? 0 : found.get(0);
            if (current > migrations.size()) {
                throw new IllegalStateException("The " + component + " schema is at version " + current
                        + " but this version of the starter knows only up to " + migrations.size()
                        + "; the database was written by a newer release");
            }
            for (Migration migration : migrations.subList(current, migrations.size())) {
                logger.debug("Migrating {}{} to version {}: {}", prefix, component, migration.version(),
                        migration.description());
                if (migration.sqliteOnly() && !dialect.isSqlite()) {
                    continue;
                }
                for (String statement : migration.statements()) {
                    jdbc.execute(statement.replace("${prefix}", prefix).replace("${binary}", dialect.binaryType()));
                }
            }
            if (current == 0) {
                jdbc.update("INSERT INTO " + versions + " (component, version) VALUES (?, ?)", component,
                        migrations.size());
            }
            else if (current < migrations.size()) {
                jdbc.update("UPDATE " + versions + " SET version = ? WHERE component = ?", migrations.size(),
                        component);
            }
            return current;
        });
        return (before != null) ? before : 0;
    }
}
