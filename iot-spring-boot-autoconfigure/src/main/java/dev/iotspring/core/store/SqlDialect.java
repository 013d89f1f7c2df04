package dev.iotspring.core.store;

import java.sql.DatabaseMetaData;
import java.util.Locale;

import javax.sql.DataSource;

import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;

/**
 * The few SQL differences the stores meet: the type of a binary column and how to limit a result. Everything
 * else the stores write is plain SQL. Tested on SQLite and H2; written for PostgreSQL and MySQL/MariaDB too (the
 * migrations use {@code CREATE TABLE IF NOT EXISTS}, which SQL Server lacks).
 *
 * @param product database product name as the driver reports it
 * @param binaryType column type for byte arrays
 * @param fetchFirst whether results are limited with {@code OFFSET 0 ROWS FETCH NEXT n ROWS ONLY} (SQL Server,
 * Oracle) instead of {@code LIMIT n}
 */
public record SqlDialect(String product, String binaryType, boolean fetchFirst) {

    public static final SqlDialect SQLITE = new SqlDialect("SQLite", "BLOB", false);

    /** Reads the product name from the DataSource's metadata. */
    public static SqlDialect of(DataSource dataSource) {
        try {
            String product = JdbcUtils.extractDatabaseMetaData(dataSource,
                    DatabaseMetaData::getDatabaseProductName);
            return forProduct(product);
        }
        catch (MetaDataAccessException ex) {
            throw new IllegalStateException("Cannot read the database product of the DataSource", ex);
        }
    }

    public static SqlDialect forProduct(String product) {
        String p = product.toLowerCase(Locale.ROOT);
        if (p.contains("sqlite")) {
            return SQLITE;
        }
        if (p.contains("postgres")) {
            return new SqlDialect(product, "BYTEA", false);
        }
        if (p.contains("h2")) {
            return new SqlDialect(product, "VARBINARY", false);
        }
        if (p.contains("mysql") || p.contains("mariadb")) {
            return new SqlDialect(product, "LONGBLOB", false);
        }
        if (p.contains("sql server")) {
            return new SqlDialect(product, "VARBINARY(MAX)", true);
        }
        if (p.contains("oracle")) {
            return new SqlDialect(product, "BLOB", true);
        }
        return new SqlDialect(product, "BLOB", false);
    }

    /** Appended to a query that has an ORDER BY: limits it to the number bound to a trailing {@code ?}. */
    public String limitParameter() {
        return this.fetchFirst ? " OFFSET 0 ROWS FETCH NEXT ? ROWS ONLY" : " LIMIT ?";
    }

    public boolean isSqlite() {
        return this == SQLITE || this.product.equalsIgnoreCase("SQLite");
    }
}
