package dev.iotspring.core.store;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.autoconfigure.OutboundQueueProperties;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.queue.OutboundMessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * One process per storage directory: a second process fails at once, naming the directory and the holder's pid;
 * a killed holder's lock file blocks nobody; stores of one JVM share the lock and release it with the last close.
 */
class StorageDirectoryLockTests {

    @TempDir
    Path directory;

    @Test
    void aSecondProcessFailsWithTheDirectoryAndTheHoldersPidAndAKilledHolderBlocksNobody() throws Exception {
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LockHolder.class.getName(), this.directory.toString())
            .redirectErrorStream(true)
            .start();
        try {
            BufferedReader output = new BufferedReader(
                    new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = output.readLine()) != null && !line.equals(LockHolder.READY)) {
                // the child's log lines
            }
            assertThat(line).as("the child opened its store").isEqualTo(LockHolder.READY);

            try (IotStores second = stores()) {
                assertThatExceptionOfType(IotConfigurationException.class).isThrownBy(() -> second.open("spotflow"))
                    .satisfies(ex -> assertThat(ex.getProperty()).isEqualTo("iot.storage.directory"))
                    .withMessageContaining(this.directory.toAbsolutePath().toString())
                    .withMessageContaining("pid " + holder.pid());
                // A durable queue opens its store beside the startup, yet the start still fails at once.
                OutboundQueueProperties durable = new OutboundQueueProperties(0, 100, 1000) {
                };
                durable.setType(OutboundQueueProperties.Type.DURABLE);
                assertThatExceptionOfType(IotConfigurationException.class)
                    .isThrownBy(() -> durable.createQueue(second, "stellanow", "events", "iot.stellanow.queue"))
                    .withMessageContaining("pid " + holder.pid());
            }
        }
        finally {
            holder.destroyForcibly();
            assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        Path lockFile = this.directory.resolve(StorageDirectoryLock.FILE_NAME);
        assertThat(Files.readString(lockFile).trim()).as("the killed holder's pid is still in the file")
            .isEqualTo(Long.toString(holder.pid()));

        try (IotStores next = stores()) {
            next.open("spotflow").outboundQueue("events").offer(dev.iotspring.core.queue.OutboundMessage.of("1", "t",
                    new byte[] { 1 }));
            assertThat(Files.readString(lockFile).trim()).isEqualTo(Long.toString(ProcessHandle.current().pid()));
        }
    }

    @Test
    void storesOfOneProcessShareTheLockAndTheLastCloseReleasesIt() throws Exception {
        IotStores first = stores();
        IotStores second = stores();
        first.open("astarte");
        second.open("spotflow");
        first.close();
        assertThat(lockedByThisJvm()).as("still held by the second").isTrue();
        second.close();
        assertThat(lockedByThisJvm()).isFalse();
    }

    @Test
    void aLoneStoreLocksItsFileAndASecondUserInTheJvmSharesIt() throws Exception {
        try (IotStores first = stores()) {
            JdbcOutboundQueue events = first.open("spotflow").outboundQueue("events");
            events.offer(OutboundMessage.of("1", "t", new byte[] { 1 }));
            assertThatExceptionOfType(SQLException.class).as("the file is locked while one store has it")
                .isThrownBy(() -> countRows(first.jdbcUrl(first.file("spotflow")) + "&busy_timeout=100"))
                .withMessageContaining("locked");

            // A second cached test context on the same directory: both stores use the file.
            try (IotStores second = stores()) {
                assertThat(second.open("spotflow").jdbcTemplate()
                    .queryForObject("SELECT count(*) FROM outbox WHERE queue_name = 'events'", Integer.class))
                    .isEqualTo(1);
                events.offer(OutboundMessage.of("2", "t", new byte[] { 2 }));
                assertThat(second.open("spotflow").jdbcTemplate()
                    .queryForObject("SELECT count(*) FROM outbox WHERE queue_name = 'events'", Integer.class))
                    .isEqualTo(2);
            }
            assertThat(countRows(first.jdbcUrl(first.file("spotflow")))).isEqualTo(2);
        }
    }

    private static int countRows(String url) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM outbox")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    /** Whether this JVM still holds the directory's lock: the JDK refuses a second lock of its own. */
    private boolean lockedByThisJvm() throws Exception {
        try (FileChannel channel = FileChannel.open(this.directory.resolve(StorageDirectoryLock.FILE_NAME),
                StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            assertThat(lock).as("no other process holds it").isNotNull();
            lock.release();
            return false;
        }
        catch (java.nio.channels.OverlappingFileLockException ex) {
            return true;
        }
    }

    private IotStores stores() {
        return new IotStores(this.directory, SynchronousMode.FULL, Duration.ofSeconds(5));
    }

    /** Runs in the child JVM: opens a store, says so, and waits to be killed. */
    public static final class LockHolder {

        static final String READY = "store open";

        public static void main(String[] args) throws Exception {
            IotStores stores = new IotStores(Path.of(args[0]), SynchronousMode.FULL, Duration.ofSeconds(5));
            stores.open("spotflow");
            System.out.println(READY);
            System.out.flush();
            // Held until the parent kills this JVM (or closes its stdin).
            System.in.read();
            stores.close();
        }
    }
}
