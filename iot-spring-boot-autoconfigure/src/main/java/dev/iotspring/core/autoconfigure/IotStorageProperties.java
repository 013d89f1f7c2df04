package dev.iotspring.core.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where and how platforms keep durable state (queues, credentials, properties) in SQLite.
 */
@ConfigurationProperties("iot.storage")
public class IotStorageProperties {

    /**
     * Directory holding one SQLite file per platform. Created when missing.
     */
    private Path directory = Path.of(".iot-data");

    /**
     * SQLite synchronous mode. FULL makes every commit durable across power loss; NORMAL trades the last
     * commits before an OS crash for throughput.
     */
    private SynchronousMode synchronous = SynchronousMode.FULL;

    /**
     * How long an SQLite connection waits for a lock held by another process on the same file before failing.
     */
    private Duration busyTimeout = Duration.ofSeconds(5);

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

    public enum SynchronousMode {

        /** fsync of the write-ahead log on every commit. */
        FULL,

        /** fsync at checkpoints only. */
        NORMAL
    }
}
