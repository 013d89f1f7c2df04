package dev.iotspring.core.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.DeprecatedConfigurationProperty;
import org.springframework.util.unit.DataSize;

/**
 * Where and how platforms keep durable state (queues, credentials, properties): SQLite files under a directory,
 * or, for the durable queues of several instances, one shared outbox on the application's DataSource.
 */
@ConfigurationProperties("iot.storage")
public class IotStorageProperties {

    /**
     * Directory holding one SQLite file per platform. Created when missing.
     */
    private Path directory = Path.of(".iot-data");

    /**
     * SQLite synchronous mode. FULL makes every commit durable across power loss; NORMAL trades the last
     * commits before an OS crash for throughput, and a durable queue's send then returns once the message is in
     * the queue's memory-mapped intake journal, which survives the process being killed too.
     */
    private SynchronousMode synchronous = SynchronousMode.FULL;

    /**
     * How long an SQLite connection waits for a lock held by another process on the same file before failing.
     */
    private Duration busyTimeout = Duration.ofSeconds(5);

    /**
     * No longer has an effect: the SQLite stores always commit the delete of an acknowledged message's row after
     * the next message went out, and their acknowledgement journal keeps a crash from sending it again.
     */
    private boolean deferredDeletes;

    /**
     * Size an SQLite file's write-ahead log reaches before SQLite copies it into the database file (a checkpoint,
     * which syncs both files, run by the commit that crosses it); at least 4KB. Defaults to 32MB with
     * synchronous=normal, where checkpoints are the only syncs and a one-row commit is about a third faster than at
     * SQLite's own 4MB; and to SQLite's 4MB with synchronous=full, where every commit syncs anyway. The log file
     * keeps up to this size on disk while the application runs.
     */
    private @Nullable DataSize walCheckpointSize;

    /**
     * Where durable queues (queue.type=durable) live: sqlite (a file per platform under the directory, one
     * process) or application (one outbox table on the application's DataSource, PostgreSQL, shared by every
     * instance). Other durable state stays in the SQLite files.
     */
    private DataSourceKind dataSource = DataSourceKind.SQLITE;

    /** Prefix of the shared outbox's tables (data-source=application). */
    private String tablePrefix = "iot_";

    /**
     * How long an instance's lane of the shared outbox stays with it after its last renewal (data-source=
     * application): the delay before another instance delivers the messages of one that died.
     */
    private Duration lease = Duration.ofSeconds(10);

    /**
     * This instance's name in the shared outbox (data-source=application); unique among running instances.
     * Generated (host, pid, random) when not set.
     */
    private String instanceId;

    public Path getDirectory() {
        return this.directory;
    }

    public void setDirectory(Path directory) {
        this.directory = directory;
    }

    public SynchronousMode getSynchronous() {
        return this.synchronous;
    }

    public void setSynchronous(SynchronousMode synchronous) {
        this.synchronous = synchronous;
    }

    public Duration getBusyTimeout() {
        return this.busyTimeout;
    }

    public void setBusyTimeout(Duration busyTimeout) {
        this.busyTimeout = busyTimeout;
    }

    @Deprecated(since = "0.1.0")
    @DeprecatedConfigurationProperty(reason = "The SQLite stores always defer the delete of an acknowledged row; "
            + "their acknowledgement journal keeps a crash from sending it again")
    public boolean isDeferredDeletes() {
        return this.deferredDeletes;
    }

    @Deprecated(since = "0.1.0")
    public void setDeferredDeletes(boolean deferredDeletes) {
        this.deferredDeletes = deferredDeletes;
    }

    public @Nullable DataSize getWalCheckpointSize() {
        return this.walCheckpointSize;
    }

    public void setWalCheckpointSize(@Nullable DataSize walCheckpointSize) {
        this.walCheckpointSize = walCheckpointSize;
    }

    public DataSourceKind getDataSource() {
        return this.dataSource;
    }

    public void setDataSource(DataSourceKind dataSource) {
        this.dataSource = dataSource;
    }

    public String getTablePrefix() {
        return this.tablePrefix;
    }

    public void setTablePrefix(String tablePrefix) {
        this.tablePrefix = tablePrefix;
    }

    public Duration getLease() {
        return this.lease;
    }

    public void setLease(Duration lease) {
        this.lease = lease;
    }

    public String getInstanceId() {
        return this.instanceId;
    }

    public void setInstanceId(String instanceId) {
        this.instanceId = instanceId;
    }

    /** Where durable queues live. */
    public enum DataSourceKind {

        /** A SQLite file per platform under iot.storage.directory; one process per directory. */
        SQLITE,

        /** One shared outbox table on the application's DataSource (PostgreSQL), for several instances. */
        APPLICATION
    }

    public enum SynchronousMode {

        /** fsync of the write-ahead log on every commit. */
        FULL,

        /** fsync at checkpoints only. */
        NORMAL
    }
}
