package dev.iotspring.core.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import com.zaxxer.hikari.HikariDataSource;

import dev.iotspring.core.queue.OverflowPolicy;
import dev.iotspring.core.queue.OverflowStrategy;

/**
 * One database a platform keeps its durable state in: usually the platform's own SQLite file opened by
 * {@link IotStores}, or (for users who outgrow one machine) an application's DataSource with a table prefix,
 * see {@link #of(DataSource, String)}. Gives out durable queues, key-value stores, and JDBC access with
 * versioned migrations for a platform's own tables.
 */
public final class IotStore implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(IotStore.class);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_]{0,40}");

    private final String name;

    private final DataSource dataSource;

    private final boolean owned;

    private final String prefix;

    private final SqlDialect dialect;

    /** The starter's SQLite file, beside which the queues keep their acknowledgement journals; null otherwise. */
    private final @Nullable Path file;

    private final JdbcTemplate jdbcTemplate;

    private final JdbcClient jdbcClient;

    private final TransactionTemplate transactionTemplate;

    private final Map<String, JdbcOutboundQueue> openQueues = new HashMap<>();

    private volatile boolean closed;

    private volatile boolean deferredDeletes;

    /** Fixed per store: its queues' offers return once in their intake journal. */
    private final boolean journalOffers;

    private IotStore(String name, DataSource dataSource, boolean owned, String prefix, SqlDialect dialect,
            @Nullable Path file, boolean journalOffers) {
        this.name = name;
        this.journalOffers = journalOffers;
        this.file = file;
        this.dataSource = dataSource;
        this.owned = owned;
        this.prefix = prefix;
        this.dialect = dialect;
        this.jdbcTemplate = new JdbcTemplate(dataSource);
        if (dialect.isSqlite()) {
            this.jdbcTemplate.setExceptionTranslator(new SqliteExceptionTranslator());
        }
        this.jdbcClient = JdbcClient.create(this.jdbcTemplate);
        this.transactionTemplate = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    /**
     * A store on the starter's own DataSource, closed with the store.
     * @param journalOffers whether its queues' offers return once in their intake journal
     * ({@code synchronous=NORMAL}, whose commits survive a process crash but not a power cut either) instead of
     * after their commit
     */
    static IotStore owned(String name, HikariDataSource dataSource, Path file, boolean journalOffers) {
        return new IotStore(name, dataSource, true, "", SqlDialect.SQLITE, file, journalOffers);
    }

    /**
     * A store in an application's DataSource (PostgreSQL, H2, ...): tables are named {@code <prefix>outbox},
     * {@code <prefix>kv}, {@code <prefix>schema_version} and are created on first use. The DataSource is not
     * closed by {@link #close()}.
     * @param tablePrefix letters, digits and underscores, e.g. {@code iot_}
     */
    public static IotStore of(DataSource dataSource, String tablePrefix) {
        Objects.requireNonNull(dataSource, "dataSource");
        if (tablePrefix == null || !PREFIX.matcher(tablePrefix).matches()) {
            throw new IllegalArgumentException(
                    "table prefix must be up to 40 letters, digits or underscores but was '" + tablePrefix + "'");
        }
        return new IotStore("application", dataSource, false, tablePrefix, SqlDialect.of(dataSource), null, false);
    }

    /**
     * Brings a component's tables to their latest version (see {@link SchemaMigrations}); platforms call it
     * once for their own tables before using them.
     */
    public void migrate(String component, List<Migration> migrations) {
        checkOpen();
        SchemaMigrations.migrate(this.jdbcTemplate, this.transactionTemplate, this.dialect, this.prefix, component,
                migrations);
    }

    /** An unbounded durable FIFO queue. */
    public JdbcOutboundQueue outboundQueue(String queueName) {
        return outboundQueue(queueName, 0, OverflowStrategy.RAISE_EXCEPTION);
    }

    /**
     * Opens a durable FIFO queue; what an earlier run left in it comes first, in order.
     * @param queueName letters, digits, '.', '_' or '-'; one open queue per name
     * @param maxSize most queued messages, 0 for no bound
     * @param overflow what a full queue does with a new message
     */
    public synchronized JdbcOutboundQueue outboundQueue(String queueName, int maxSize, OverflowStrategy overflow) {
        checkOpen();
        checkName(queueName, "queue name");
        OverflowPolicy policy = new OverflowPolicy(maxSize, overflow);
        if (this.openQueues.containsKey(queueName)) {
            throw new IllegalStateException("Outbound queue " + queueName + " is already open in store " + this.name);
        }
        this.openQueues.put(queueName, null);
        try {
            migrate(JdbcOutboundQueue.COMPONENT, JdbcOutboundQueue.MIGRATIONS);
            AcknowledgementJournal journal = (this.file != null)
                    ? AcknowledgementJournal.open(AcknowledgementJournal.fileOf(this.file, queueName)) : null;
            // Opened under FULL too when a file is left: what a run under NORMAL accepted is inserted first.
            Path intakeFile = (this.file != null) ? IntakeJournal.fileOf(this.file, queueName) : null;
            IntakeJournal intake = (intakeFile != null && (this.journalOffers || Files.exists(intakeFile)))
                    ? IntakeJournal.open(intakeFile) : null;
            JdbcOutboundQueue queue = new JdbcOutboundQueue(this.jdbcTemplate, this.transactionTemplate, this.dialect,
                    this.prefix, queueName, policy, () -> releaseQueue(queueName), this.owned, journal, intake,
                    this.journalOffers);
            if (intake != null && !this.journalOffers) {
                deleteReplayed(intakeFile);
            }
            // With a journal a crash sends nothing acknowledged again, deferred or not: so always deferred.
            queue.deferDeletes(this.deferredDeletes || journal != null);
            this.openQueues.put(queueName, queue);
            return queue;
        }
        catch (RuntimeException ex) {
            releaseQueue(queueName);
            throw ex;
        }
    }

    private static void deleteReplayed(Path intakeFile) {
        try {
            Files.deleteIfExists(intakeFile);
        }
        catch (IOException ex) {
            logger.warn("Could not delete {} (replayed; the next open replays nothing from it): {}", intakeFile,
                    ex.toString());
        }
    }

    /**
     * For a store on an application's DataSource ({@link #of}): whether queues opened from now on commit the delete
     * of an acknowledged row after the next message went out (faster one-at-a-time delivery; after a crash up to
     * {@value JdbcOutboundQueue#ACK_PENDING_MAX} acknowledged messages are sent again) instead of before it (the
     * default: only the window in flight is sent again). The starter's SQLite stores always defer it: their
     * acknowledgement journal keeps a crash from sending acknowledged messages again.
     */
    public void setDeferredDeletes(boolean deferredDeletes) {
        this.deferredDeletes = deferredDeletes;
    }

    public boolean isDeferredDeletes() {
        return this.deferredDeletes;
    }

    private synchronized void releaseQueue(String queueName) {
        this.openQueues.remove(queueName);
    }

    /** A key-value store; {@code namespace} separates users of the same table. */
    public JdbcKeyValueStore keyValueStore(String namespace) {
        checkOpen();
        checkName(namespace, "namespace");
        migrate(JdbcKeyValueStore.COMPONENT, JdbcKeyValueStore.MIGRATIONS);
        return new JdbcKeyValueStore(this.jdbcTemplate, this.transactionTemplate, this.prefix, namespace);
    }

    public String getName() {
        return this.name;
    }

    /** For a platform's own tables. Not a bean: never injected where the application expects its DataSource. */
    public DataSource getDataSource() {
        return this.dataSource;
    }

    public JdbcClient jdbcClient() {
        return this.jdbcClient;
    }

    public JdbcTemplate jdbcTemplate() {
        return this.jdbcTemplate;
    }

    public TransactionTemplate transactionTemplate() {
        return this.transactionTemplate;
    }

    public SqlDialect dialect() {
        return this.dialect;
    }

    /** Table name with this store's prefix. */
    public String table(String name) {
        return this.prefix + name;
    }

    public boolean isClosed() {
        return this.closed;
    }

    /**
     * Closes the queues still open (each commits the deletes of its acknowledged rows), then the connection pool
     * if the store owns it (the starter's SQLite file).
     */
    @Override
    public void close() {
        if (this.closed) {
            return;
        }
        List<JdbcOutboundQueue> queues;
        synchronized (this) {
            queues = new ArrayList<>(this.openQueues.values());
        }
        for (JdbcOutboundQueue queue : queues) {
            if (queue != null) {
                try {
                    queue.close();
                }
                catch (RuntimeException ex) {
                    logger.warn("Could not close queue {} of store {}", queue.getQueueName(), this.name, ex);
                }
            }
        }
        this.closed = true;
        if (this.owned && this.dataSource instanceof HikariDataSource hikari) {
            logger.debug("Closing store {}", this.name);
            hikari.close();
        }
    }

    private void checkOpen() {
        if (this.closed) {
            throw new IllegalStateException("Store " + this.name + " is closed");
        }
    }

    static String checkName(String value, String what) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be 1 to 100 letters, digits, '.', '_' or '-' but was '"
                    + value + "'");
        }
        return value;
    }

    @Override
    public String toString() {
        return "IotStore[" + this.name + ", " + this.dialect.product() + (this.prefix.isEmpty() ? "" : ", prefix="
                + this.prefix) + "]";
    }
}
