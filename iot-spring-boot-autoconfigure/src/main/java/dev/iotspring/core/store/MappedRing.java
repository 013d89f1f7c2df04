package dev.iotspring.core.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a queue's journals ({@link AcknowledgementJournal}, {@link IntakeJournal}) are made of: a file beside the
 * queue's SQLite file, memory-mapped, with a 64-byte header (magic, {@code start}, {@code end}) and a ring of
 * {@code capacity} units between those two absolute positions: what lies before {@code start} is committed, what
 * lies before {@code end} is written. The journal writes its entries into {@link #map()} before it publishes the
 * new end, so a process killed in between leaves them uncounted rather than a stale entry counted. Never synced.
 * Not thread-safe: the queue uses its journals under its lock.
 */
final class MappedRing {

    private static final Logger logger = LoggerFactory.getLogger(JdbcOutboundQueue.class);

    /** Bytes before the ring. */
    static final int HEADER = 64;

    static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final int START = 8;

    private static final int END = 16;

    private static final int ZEROS = 64 * 1024;

    private final Path file;

    private final MappedByteBuffer map;

    private final long capacity;

    private long start;

    private long end;

    private MappedRing(Path file, MappedByteBuffer map, long capacity, long start, long end) {
        this.file = file;
        this.map = map;
        this.capacity = capacity;
        this.start = start;
        this.end = end;
    }

    /**
     * Maps {@code file}, creating it. A file of another size or magic is started afresh, and so is a header no
     * journal writes (torn by a power cut, which the journals do not promise to survive).
     * @param capacity units in the ring
     * @param unit bytes per unit
     * @param alignment every position the journal publishes is a multiple of it
     */
    static MappedRing open(Path file, long magic, long capacity, int unit, int alignment, String what) {
        MappedByteBuffer map = map(file, HEADER + capacity * unit, what);
        if ((long) LONGS.get(map, 0) != magic) {
            LONGS.set(map, START, 0L);
            LONGS.set(map, END, 0L);
            LONGS.setRelease(map, 0, magic);
            return new MappedRing(file, map, capacity, 0, 0);
        }
        long start = (long) LONGS.get(map, START);
        long end = (long) LONGS.get(map, END);
        if (start < 0 || end < start || end - start > capacity || start % alignment != 0 || end % alignment != 0) {
            long next = Math.max(0, end + Math.floorMod(-end, alignment));
            logger.warn("{} holds positions {} to {}, which no journal writes; started afresh at {}", file, start, end,
                    next);
            LONGS.set(map, START, next);
            LONGS.set(map, END, next);
            start = next;
            end = next;
        }
        return new MappedRing(file, map, capacity, start, end);
    }

    /**
     * The blocks are written through the channel before mapping: the file has no holes, so a store into the
     * mapping never needs a block the disk no longer has (on a full disk that would be a SIGBUS, not an error).
     */
    private static MappedByteBuffer map(Path file, long size, String what) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            if (channel.size() != size) {
                if (channel.size() > 0) {
                    logger.warn("{} is not {} of this version; started afresh", file, what);
                    channel.truncate(0);
                }
                ByteBuffer zeros = ByteBuffer.allocate(ZEROS);
                for (long at = 0; at < size; at += ZEROS) {
                    zeros.clear().limit((int) Math.min(ZEROS, size - at));
                    while (zeros.hasRemaining()) {
                        channel.write(zeros, at + zeros.position());
                    }
                }
            }
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, size);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot open " + what + " " + file, ex);
        }
    }

    /** {@code <store file>-<kind><queue>}, e.g. {@code spotflow.db-acks-messages}. */
    static Path fileOf(Path storeFile, String kind, String queueName) {
        return storeFile.resolveSibling(storeFile.getFileName() + "-" + kind + queueName);
    }

    /**
     * Deletes the journals left beside a database file that does not exist (deleted to start over): they name rows
     * of the old file and must not act on the new one.
     */
    static void deleteOrphans(Path storeFile) {
        if (Files.exists(storeFile) || !Files.isDirectory(storeFile.getParent())) {
            return;
        }
        String prefix = storeFile.getFileName() + "-";
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(storeFile.getParent(),
                (p) -> p.getFileName().toString().startsWith(prefix + AcknowledgementJournal.KIND)
                        || p.getFileName().toString().startsWith(prefix + IntakeJournal.KIND))) {
            for (Path orphan : siblings) {
                Files.deleteIfExists(orphan);
                logger.info("Deleted {}: its database file {} no longer exists", orphan, storeFile);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot delete the journals left beside " + storeFile, ex);
        }
    }

    MappedByteBuffer map() {
        return this.map;
    }

    Path file() {
        return this.file;
    }

    long capacity() {
        return this.capacity;
    }

    long start() {
        return this.start;
    }

    long end() {
        return this.end;
    }

    /** Units written and not committed. */
    long size() {
        return this.end - this.start;
    }

    /** Everything written up to here is in the commit being planned (or committed before). */
    long mark() {
        return this.end;
    }

    /** The entries before {@code end} are written: counted from now on, also by the next process. */
    void publish(long end) {
        this.end = end;
        LONGS.setRelease(this.map, END, end);
    }

    /** The commit that carried everything before {@code mark} succeeded: its room is free again. */
    void committed(long mark) {
        if (mark > this.start) {
            this.start = mark;
            LONGS.setRelease(this.map, START, mark);
        }
    }
}
