package dev.iotspring.core.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.LoggerFactory;

import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.config.PropertyChecks;

/**
 * One process per storage directory: two processes writing the same SQLite files would race (each keeps its
 * queue's sequence and in-flight marks in memory), so the first to open a directory holds an exclusive lock on
 * {@value #FILE_NAME} in it, with its pid written inside, until it closes its stores. A second process fails at
 * once with the directory and the holder's pid. The operating system releases the lock when the holder dies, so
 * the file a killed process leaves behind blocks nobody.
 *
 * <p>Inside one JVM the lock is shared (counted): several {@link IotStores} of one application, or of tests that
 * restart a context, are one process, and SQLite's busy timeout already serialises them. While a directory has one
 * user, that user's files may be locked exclusively ({@link #whileAlone}); a second user switches them back first.
 */
final class StorageDirectoryLock implements AutoCloseable {

    static final String FILE_NAME = ".iot-storage.lock";

    /** This JVM's locks by directory; a {@link FileLock} is per JVM, a second tryLock here would throw. */
    private static final Map<Path, Held> held = new HashMap<>();

    private final Path directory;

    private boolean released;

    private StorageDirectoryLock(Path directory) {
        this.directory = directory;
    }

    /**
     * Locks {@code directory} for this process (creating it when missing).
     * @throws IotConfigurationException naming {@code iot.storage.directory}, the directory and the holder's pid
     * when another process holds it
     */
    static StorageDirectoryLock acquire(Path directory) {
        Path key = directory.toAbsolutePath().normalize();
        List<Runnable> toShare;
        synchronized (held) {
            Held existing = held.get(key);
            if (existing == null) {
                held.put(key, lock(key));
                return new StorageDirectoryLock(key);
            }
            existing.users++;
            toShare = new ArrayList<>(existing.onShare);
            existing.onShare.clear();
        }
        // Outside the JVM-wide lock: a switch waits for the first user's transaction in progress to end.
        for (Runnable action : toShare) {
            try {
                action.run();
            }
            catch (RuntimeException ex) {
                LoggerFactory.getLogger(StorageDirectoryLock.class)
                    .warn("Could not give up the exclusive lock of a store file: {}", ex.toString());
            }
        }
        return new StorageDirectoryLock(key);
    }

    private static Held lock(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        FileChannel channel = null;
        try {
            Files.createDirectories(directory);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                String holder = readPid(channel);
                channel.close();
                throw new IotConfigurationException("iot.storage.directory", "the storage directory " + directory
                        + " is in use by another process (pid " + holder + ", see " + file + "); two processes "
                        + "must not share SQLite files: give each instance its own directory, or share one "
                        + "database with iot.storage.data-source=application",
                        PropertyChecks.yaml("iot.storage", "directory: /var/lib/my-app/iot-instance-2"));
            }
            // Whatever a dead holder left is overwritten: the file's content is only ever a hint for the message.
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
                    0);
            channel.force(false);
            return new Held(channel, lock);
        }
        catch (IOException ex) {
            closeQuietly(channel);
            throw new UncheckedIOException("Cannot lock the storage directory " + directory
                    + " (iot.storage.directory)", ex);
        }
    }

    private static String readPid(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        String content = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
        return content.matches("\\d+") ? content : "unknown";
    }

    Path directory() {
        return this.directory;
    }

    /**
     * Runs {@code exclusive} now if this is the directory's only user in the JVM, and {@code shared} (once) when a
     * second user arrives, before that user's {@link #acquire} returns; otherwise runs neither. {@code exclusive}
     * runs under the JVM-wide lock of this class: keep it short.
     */
    void whileAlone(Runnable exclusive, Runnable shared) {
        synchronized (held) {
            Held lock = held.get(this.directory);
            if (this.released || lock == null || lock.users > 1) {
                return;
            }
            lock.onShare.add(shared);
            exclusive.run();
        }
    }

    /** Releases this user's hold; the file lock goes with the last one. */
    @Override
    public void close() {
        synchronized (held) {
            if (this.released) {
                return;
            }
            this.released = true;
            Held lock = held.get(this.directory);
            if (lock == null || --lock.users > 0) {
                return;
            }
            held.remove(this.directory);
            try {
                lock.channel.truncate(0);
                lock.lock.release();
            }
            catch (IOException ex) {
                // Closing the channel below releases the lock all the same.
            }
            closeQuietly(lock.channel);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            }
            catch (IOException ex) {
                // nothing left to release
            }
        }
    }

    private static final class Held {

        final FileChannel channel;

        final FileLock lock;

        int users = 1;

        /** What switches the first user's files back to shared access; emptied once run. */
        final List<Runnable> onShare = new ArrayList<>();

        Held(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }
    }
}
