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
import java.util.HashMap;
import java.util.Map;

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
 * restart a context, are one process, and SQLite's busy timeout already serialises them.
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
        synchronized (held) {
            Held existing = held.get(key);
            if (existing != null) {
                existing.users++;
                return new StorageDirectoryLock(key);
            }
            held.put(key, lock(key));
            return new StorageDirectoryLock(key);
        }
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

        Held(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }
    }
}
