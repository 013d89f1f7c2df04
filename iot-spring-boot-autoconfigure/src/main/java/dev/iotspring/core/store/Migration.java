package dev.iotspring.core.store;

import java.util.List;
import java.util.Objects;

/**
 * One step of a store's schema. Statements may use {@code ${prefix}} (the table prefix) and {@code ${binary}}
 * (the dialect's byte-array column type); a step runs in one transaction with the version bump.
 *
 * @param version positive, increasing by one from 1
 * @param description what the step does (logged)
 * @param statements SQL statements, run in order
 * @param sqliteOnly whether the statements run on SQLite only (elsewhere the step just bumps the version): for
 *     SQLite's own table options
 */
public record Migration(int version, String description, List<String> statements, boolean sqliteOnly) {

    public Migration(int version, String description, List<String> statements) {
        this(version, description, statements, false);
    }

    public Migration {
        Objects.requireNonNull(description, "description");
        statements = List.copyOf(statements);
        if (version < 1) {
            throw new IllegalArgumentException("migration versions start at 1 but was " + version);
        }
    }

    public static Migration of(int version, String description, String... statements) {
        return new Migration(version, description, List.of(statements));
    }

    /** A step whose statements run on SQLite only. */
    public static Migration sqliteOnly(int version, String description, String... statements) {
        return new Migration(version, description, List.of(statements), true);
    }
}
