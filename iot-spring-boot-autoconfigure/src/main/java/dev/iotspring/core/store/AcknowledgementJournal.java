package dev.iotspring.core.store;

import java.lang.invoke.VarHandle;
import java.nio.MappedByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import dev.iotspring.core.queue.QueuedMessage;

/**
 * The acknowledged rows of a {@link JdbcOutboundQueue} whose {@code DELETE} is not committed yet, kept in a
 * memory-mapped file beside the store ({@code <platform>.db-acks-<queue>}). Writing to the mapping is a few
 * stores to memory, not a system call, and what was written survives the process being killed (the kernel holds
 * the pages): so an acknowledgement can defer its delete to a later commit and still, after a crash, the next
 * open deletes the rows the journal names before anything is sent. A power cut or an operating-system crash may
 * lose the journal (it is never synced): those rows are then sent again, never lost.
 *
 * <p>A ring of {@value #CAPACITY} slots between two absolute indices, {@code start} (older slots' deletes are
 * committed) and {@code end}. A slot names its row by sequence, creation time and a checksum of its message id,
 * and carries its own index: a slot left from an earlier lap, never written, or belonging to another database
 * file (one deleted and created again beside an old journal) matches no row and deletes nothing. Not thread-safe:
 * the queue calls it under its lock.
 */
final class AcknowledgementJournal {

    /** Slots: above the pending bound plus a window, so a journal full is only reached when commits fail. */
    static final int CAPACITY = 4096;

    /** After the store file's name and a dash, before the queue's name. */
    static final String KIND = "acks-";

    private static final long MAGIC = 0x696f_742d_6163_6b31L; // "iot-ack1"

    /** Index tag, sequence, created-at nanos, id checksum (and padding). */
    private static final int SLOT = 32;

    private static final VarHandle LONGS = MappedRing.LONGS;

    private final MappedRing ring;

    private final MappedByteBuffer map;

    private AcknowledgementJournal(MappedRing ring) {
        this.ring = ring;
        this.map = ring.map();
    }

    /** Maps the journal of a queue, creating it empty; a file that is not a journal is started afresh. */
    static AcknowledgementJournal open(Path file) {
        return open(file, CAPACITY);
    }

    /** With {@code capacity} slots (tests fill a small one). */
    static AcknowledgementJournal open(Path file, int capacity) {
        // A torn header starts afresh: the rows it named are sent again.
        return new AcknowledgementJournal(
                MappedRing.open(file, MAGIC, capacity, SLOT, 1, "an acknowledgement journal"));
    }

    /** The journal file of {@code queueName} in the SQLite store {@code storeFile}. */
    static Path fileOf(Path storeFile, String queueName) {
        return MappedRing.fileOf(storeFile, KIND, queueName);
    }

    /** Records an acknowledged row; false when the ring is full (the caller commits the delete instead). */
    boolean record(QueuedMessage row) {
        long index = this.ring.end();
        if (index - this.ring.start() >= this.ring.capacity()) {
            return false;
        }
        int at = slot(index);
        LONGS.set(this.map, at, index ^ MAGIC);
        LONGS.set(this.map, at + 8, row.sequence());
        LONGS.set(this.map, at + 16, OutboxWriter.toNanos(row.message().createdAt()));
        LONGS.set(this.map, at + 24, checksum(row.message().id()));
        this.ring.publish(index + 1);
        return true;
    }

    /** Every slot up to here is in the commit being planned (or committed before). */
    long mark() {
        return this.ring.mark();
    }

    /** The commit that carried every slot before {@code mark} succeeded. */
    void committed(long mark) {
        this.ring.committed(mark);
    }

    /** Rows acknowledged by an earlier run whose delete may not be committed, in the order they were recorded. */
    List<Entry> entries() {
        List<Entry> entries = new ArrayList<>((int) this.ring.size());
        for (long index = this.ring.start(); index < this.ring.end(); index++) {
            int at = slot(index);
            if ((long) LONGS.get(this.map, at) == (index ^ MAGIC)) {
                entries.add(new Entry((long) LONGS.get(this.map, at + 8), (long) LONGS.get(this.map, at + 16),
                        (long) LONGS.get(this.map, at + 24)));
            }
        }
        return entries;
    }

    /** Slots between the committed and the recorded index. */
    int size() {
        return (int) this.ring.size();
    }

    Path file() {
        return this.ring.file();
    }

    private int slot(long index) {
        return MappedRing.HEADER + (int) (index % this.ring.capacity()) * SLOT;
    }

    static long checksum(String messageId) {
        CRC32C crc = new CRC32C();
        crc.update(messageId.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    /** A row as the journal names it. */
    record Entry(long sequence, long createdAtNanos, long idChecksum) {

        boolean names(long sequence, long createdAtNanos, String messageId) {
            return this.sequence == sequence && this.createdAtNanos == createdAtNanos
                    && this.idChecksum == checksum(messageId);
        }
    }

    @Override
    public String toString() {
        return "AcknowledgementJournal[" + this.ring.file() + ", " + size() + " pending]";
    }
}
