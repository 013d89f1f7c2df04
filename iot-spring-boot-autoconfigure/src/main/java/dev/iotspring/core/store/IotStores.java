package dev.iotspring.core.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.unit.DataSize;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.lifecycle.BackgroundOpening;
import dev.iotspring.core.queue.DurableQueueFactory;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.OverflowStrategy;

/**
 * Opens one SQLite file per platform ({@code <directory>/<platform>.db}) on the starter's own connection pool
 * and closes them all when the application context closes (after every bean using them, since those depend on
 * this one). The DataSources it creates are never beans: an application's own DataSource stays the only
 * injectable one.
 *
 * <p>Each file gets a HikariCP pool of exactly one connection (SQLite has one writer; the pool's wait is the
 * back-pressure), WAL journal checkpointed at {@link #setWalCheckpointSize a configured size}, the configured
 * {@code synchronous} mode, a busy timeout for a second user of the file in this JVM, and IMMEDIATE transactions
 * so a read never has to upgrade to a write lock; while these stores are the directory's only user, the file is
 * locked exclusively.
 *
 * <p>The first store opened locks the directory for this process ({@code StorageDirectoryLock}): a second process
 * on the same directory fails at once, naming the directory and the holder's pid.
 */
public class IotStores implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(IotStores.class);

    /** SQLite's page size, which the stores keep. */
    public static final int PAGE_SIZE = 4096;

    /**
     * The checkpoint size under {@code synchronous=NORMAL} unless configured. A durable queue commits a page or two
     * per message, so at SQLite's own 4 MB (1,000 pages) a checkpoint, whose syncs are the only ones in this mode,
     * runs every few hundred sends on the sending thread; at 32 MB a one-row commit is about a third faster
     * (docs/benchmarks.md, "Checkpoints"). Under {@code FULL} every commit syncs anyway and SQLite's size stays:
     * there a log that is still growing makes each sync slower.
     */
    public static final DataSize NORMAL_WAL_CHECKPOINT_SIZE = DataSize.ofMegabytes(32);

    private static final long SQLITE_WAL_CHECKPOINT_PAGES = 1000;

    private final Path directory;

    private final SynchronousMode synchronous;

    private final Duration busyTimeout;

    /** Each platform's store, opened or being opened. */
    private final Map<String, CompletableFuture<IotStore>> stores = new LinkedHashMap<>();

    /** The stores opened, in order: what {@link #close()} closes. */
    private final List<IotStore> opened = new ArrayList<>();

    private boolean closed;

    /** Configured checkpoint size in pages; null: by synchronous mode. */
    private volatile @Nullable Long walCheckpointPages;

    /** Where durable queues come from instead of the SQLite files (the shared outbox), if set. */
    private @Nullable DurableQueueFactory durableQueues;

    /** Taken with the first store and held until {@link #close()}: one process per directory. */
    private @Nullable StorageDirectoryLock directoryLock;

    public IotStores(Path directory, SynchronousMode synchronous, Duration busyTimeout) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.synchronous = Objects.requireNonNull(synchronous, "synchronous");
        this.busyTimeout = Objects.requireNonNull(busyTimeout, "busyTimeout");
    }

    /**
     * The store of a platform, opened on first use (creating the directory and file); later calls return the
     * same store. Opening one store does not hold up another: a platform opening its file in the background does
     * not make the next platform's bean wait for it.
     * @param platform letters, digits, '.', '_' or '-', e.g. {@code spotflow}
     */
    public IotStore open(String platform) {
        IotStore.checkName(platform, "platform");
        CompletableFuture<IotStore> opening;
        boolean mine = false;
        synchronized (this) {
            if (this.closed) {
                throw new IllegalStateException("The IoT stores are closed (the application is stopping)");
            }
            opening = this.stores.get(platform);
            if (opening == null || opening.isCompletedExceptionally()
                    || (opening.isDone() && opening.join().isClosed())) {
                if (this.directoryLock == null) {
                    this.directoryLock = StorageDirectoryLock.acquire(this.directory);
                }
                opening = new CompletableFuture<>();
                this.stores.put(platform, opening);
                mine = true;
            }
        }
        if (mine) {
            create(platform, opening);
        }
        return BackgroundOpening.join(opening);
    }

    /**
     * Opens a platform's store on a thread of its own ({@code iot-open-<platform>}), beside the application's
     * startup; the directory lock is taken now, so another process on the same directory still fails the start
     * at once.
     */
    public CompletableFuture<IotStore> openInBackground(String platform) {
        IotStore.checkName(platform, "platform");
        claimDirectory();
        CompletableFuture<IotStore> store = new CompletableFuture<>();
        BackgroundOpening.start(platform, () -> {
            try {
                store.complete(open(platform));
            }
            catch (RuntimeException | Error ex) {
                store.completeExceptionally(ex);
            }
        });
        return store;
    }

    /** The pool is created outside this factory's lock, so other platforms' stores open meanwhile. */
    private void create(String platform, CompletableFuture<IotStore> opening) {
        try {
            Path file = file(platform);
            try {
                Files.createDirectories(file.getParent());
            }
            catch (IOException ex) {
                throw new UncheckedIOException("Cannot create the storage directory " + file.getParent()
                        + " (iot.storage.directory)", ex);
            }
            // Before the pool creates the file: journals of a deleted database must not act on the new one.
            MappedRing.deleteOrphans(file);
            HikariDataSource dataSource = createDataSource(file, platform);
            lockExclusivelyWhileAlone(dataSource, file);
            IotStore store = IotStore.owned(platform, dataSource, file, this.synchronous == SynchronousMode.NORMAL);
            boolean closedMeanwhile;
            synchronized (this) {
                closedMeanwhile = this.closed;
                if (!closedMeanwhile) {
                    this.opened.add(store);
                }
            }
            if (closedMeanwhile) {
                store.close();
                throw new IllegalStateException("The IoT stores are closed (the application is stopping)");
            }
            logger.debug("Opened store {} at {}", platform, file);
            opening.complete(store);
        }
        catch (RuntimeException | Error ex) {
            opening.completeExceptionally(ex);
        }
    }

    /**
     * While these stores are the directory's only user in the JVM, the file is locked exclusively: SQLite then
     * skips the file and shared-memory locks it takes and releases around every transaction (a one-row commit
     * under {@code synchronous=NORMAL}: about 12 instead of 19 µs of CPU). No other process may use the directory
     * anyway (the directory lock); a second {@code IotStores} of this JVM on it (a second cached test context)
     * switches the file back to normal locking before it opens anything.
     */
    private void lockExclusivelyWhileAlone(HikariDataSource dataSource, Path file) {
        StorageDirectoryLock lock;
        synchronized (this) {
            lock = this.directoryLock;
        }
        if (lock != null) {
            lock.whileAlone(() -> {
                try {
                    setLockingMode(dataSource, file, "EXCLUSIVE");
                }
                catch (RuntimeException ex) {
                    // Only slower: the store works the same with normal locking.
                    logger.warn("{}", ex.getMessage(), ex);
                }
            }, () -> {
                if (!dataSource.isClosed()) {
                    setLockingMode(dataSource, file, "NORMAL");
                }
            });
        }
    }

    /**
     * The mode takes effect at the connection's next access to the file, so it is read at once. Read before
     * too: a connection that enters WAL mode already exclusive has no shared memory and can never go back.
     */
    private static void setLockingMode(DataSource dataSource, Path file, String mode) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.executeQuery("SELECT count(*) FROM sqlite_master").close();
            statement.execute("PRAGMA locking_mode=" + mode);
            statement.executeQuery("SELECT count(*) FROM sqlite_master").close();
        }
        catch (SQLException ex) {
            throw new IllegalStateException("Cannot set locking_mode=" + mode + " on " + file, ex);
        }
    }

    /**
     * The write-ahead log size at which the files opened from now on are checkpointed
     * ({@code iot.storage.wal-checkpoint-size}); at least one page. Null: {@link #NORMAL_WAL_CHECKPOINT_SIZE} under
     * {@code synchronous=NORMAL}, SQLite's own size under {@code FULL}.
     */
    public void setWalCheckpointSize(@Nullable DataSize size) {
        if (size != null && size.toBytes() < PAGE_SIZE) {
            throw new IllegalArgumentException("The WAL checkpoint size must be at least one page (" + PAGE_SIZE
                    + " bytes) but was " + size);
        }
        this.walCheckpointPages = (size != null) ? size.toBytes() / PAGE_SIZE : null;
    }

    /** Pages of write-ahead log after which a file is checkpointed ({@code PRAGMA wal_autocheckpoint}). */
    public long getWalCheckpointPages() {
        Long configured = this.walCheckpointPages;
        if (configured != null) {
            return configured;
        }
        return (this.synchronous == SynchronousMode.NORMAL) ? NORMAL_WAL_CHECKPOINT_SIZE.toBytes() / PAGE_SIZE
                : SQLITE_WAL_CHECKPOINT_PAGES;
    }

    /**
     * Durable queues come from {@code factory} from now on (the shared outbox on the application's database,
     * {@code iot.storage.data-source=application}); closed with these stores if it is {@link AutoCloseable}.
     */
    public synchronized void useDurableQueues(DurableQueueFactory factory) {
        this.durableQueues = Objects.requireNonNull(factory, "factory");
    }

    /**
     * A platform's durable FIFO queue: in its SQLite file, or in the shared outbox when one is set (queue name
     * {@code <platform>.<queueName>} there).
     */
    public OutboundQueue durableQueue(String platform, String queueName, int maxSize, OverflowStrategy overflow) {
        DurableQueueFactory factory;
        synchronized (this) {
            factory = this.durableQueues;
        }
        if (factory != null) {
            return factory.open(IotStore.checkName(platform, "platform") + "." + IotStore.checkName(queueName,
                    "queue name"), maxSize, overflow);
        }
        return open(platform).outboundQueue(queueName, maxSize, overflow);
    }

    /**
     * Takes this process's lock on the storage directory now, if durable queues live in it (not on the application's
     * database): a queue whose store opens in the background still fails the start at once when another process
     * holds the directory.
     */
    public synchronized void claimDirectory() {
        if (this.durableQueues == null && this.directoryLock == null && !this.closed) {
            this.directoryLock = StorageDirectoryLock.acquire(this.directory);
        }
    }

    /** Where the platform's SQLite file is. */
    public Path file(String platform) {
        return this.directory.resolve(IotStore.checkName(platform, "platform") + ".db").toAbsolutePath();
    }

    public Path getDirectory() {
        return this.directory;
    }

    /**
     * The JDBC URL used for a file: the pragmas every pooled connection applies. Generated keys are off: the
     * driver would otherwise run {@code SELECT last_insert_rowid()} after every insert (a third of an enqueue's
     * time in a profile), and no store reads them.
     */
    public String jdbcUrl(Path file) {
        return "jdbc:sqlite:" + file.toAbsolutePath() + "?journal_mode=WAL&synchronous="
                + this.synchronous.name().toLowerCase(Locale.ROOT) + "&busy_timeout=" + this.busyTimeout.toMillis()
                + "&transaction_mode=IMMEDIATE&foreign_keys=true&jdbc.get_generated_keys=false";
    }

    private HikariDataSource createDataSource(Path file, String platform) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("iot-store-" + platform);
        config.setJdbcUrl(jdbcUrl(file));
        config.setDriverClassName("org.sqlite.JDBC");
        config.setMaximumPoolSize(1);
        config.setMinimumIdle(1);
        // A connection stays open for the life of the store: SQLite connections do not go stale.
        config.setMaxLifetime(0);
        // Per connection, so a connection the pool replaces gets it too.
        config.setConnectionInitSql("PRAGMA wal_autocheckpoint=" + getWalCheckpointPages());
        config.setIdleTimeout(0);
        config.setConnectionTimeout(Math.max(this.busyTimeout.toMillis() * 2, 30_000));
        return new HikariDataSource(config);
    }

    /** Whether {@link #close()} was called: the application is stopping. */
    public synchronized boolean isClosed() {
        return this.closed;
    }

    /** Closes every store this factory opened, last opened first. */
    @Override
    public synchronized void close() {
        if (this.closed) {
            return;
        }
        this.closed = true;
        List<IotStore> open = new ArrayList<>(this.opened);
        java.util.Collections.reverse(open);
        for (IotStore store : open) {
            try {
                store.close();
            }
            catch (RuntimeException ex) {
                logger.warn("Could not close store {}", store.getName(), ex);
            }
        }
        this.opened.clear();
        this.stores.clear();
        if (this.durableQueues instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            }
            catch (Exception ex) {
                logger.warn("Could not close {}", closeable, ex);
            }
        }
        if (this.directoryLock != null) {
            this.directoryLock.close();
            this.directoryLock = null;
        }
    }

    @Override
    public String toString() {
        return "IotStores[" + this.directory + ", synchronous=" + this.synchronous + "]";
    }
}
