package dev.iotspring.core.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory-mapped files a queue keeps beside its SQLite file ({@link AcknowledgementJournal},
 * {@link IntakeJournal}): mapped with every block written once, and removed with the database they belong to.
 */
final class JournalFiles {

    private static final Logger logger = LoggerFactory.getLogger(JdbcOutboundQueue.class);

    private static final int ZEROS = 64 * 1024;

    private JournalFiles() {
    }

    /** A mapped journal and whether it was created (or started afresh) by this open. */
    record Mapped(MappedByteBuffer map, boolean fresh) {
    }

    /**
     * Maps {@code size} bytes of {@code file}, creating it. A file of another size is started afresh. The blocks
     * are written through the channel before mapping: the file has no holes, so a store into the mapping never
     * needs a block the disk no longer has (on a full disk that would be a SIGBUS, not an error).
     */
    static Mapped map(Path file, long size, String what) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            boolean fresh = channel.size() != size;
            if (fresh) {
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
            return new Mapped(channel.map(FileChannel.MapMode.READ_WRITE, 0, size), fresh);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot open " + what + " " + file, ex);
        }
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
                (p) -> p.getFileName().toString().startsWith(prefix + AcknowledgementJournal.SUFFIX)
                        || p.getFileName().toString().startsWith(prefix + IntakeJournal.SUFFIX))) {
            for (Path orphan : siblings) {
                Files.deleteIfExists(orphan);
                logger.info("Deleted {}: its database file {} no longer exists", orphan, storeFile);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot delete the journals left beside " + storeFile, ex);
        }
    }
}
