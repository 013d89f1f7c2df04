package dev.iotspring.core.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.QueuedMessage;

/**
 * Messages offered to a {@link JdbcOutboundQueue} whose {@code INSERT} is not committed yet, kept in a
 * memory-mapped file beside the store ({@code <platform>.db-intake-<queue>}). Under {@code synchronous=NORMAL} an
 * offer returns once its message is written here: a copy into memory, no system call, and it survives the process
 * being killed (the kernel holds the pages), which is the promise SQLite itself makes for a commit under
 * {@code NORMAL}. A thread of the queue then inserts what came in, many messages per commit, and the next open
 * inserts whatever a killed process left here before anything is sent. A power cut or an operating-system crash may
 * lose what is here, as it may lose SQLite's last commits under {@code NORMAL}; the journal is never synced.
 *
 * <p>A {@link MappedRing} of {@value #CAPACITY} bytes. A record carries its own position and a CRC32C of its sequence and contents, so a
 * record left from an earlier lap, torn or never written is recognised and ends the replay. A record never wraps:
 * one that does not fit before the end of the ring is preceded by a pad to it. Not thread-safe: the queue calls it
 * under its lock.
 */
final class IntakeJournal {

    private static final Logger logger = LoggerFactory.getLogger(JdbcOutboundQueue.class);

    /** Bytes of the ring: hundreds of commits' worth of typical messages, so a full ring means commits fail. */
    static final int CAPACITY = 2 * 1024 * 1024;

    /** After the store file's name and a dash, before the queue's name. */
    static final String KIND = "intake-";

    private static final long MAGIC = 0x696f_742d_696e_7431L; // "iot-int1"

    private static final long PAD = 0x696f_742d_7061_6431L; // "iot-pad1"

    /** Position tag, body length, CRC32C, sequence; then the body. */
    private static final int RECORD_HEADER = 24;

    private static final VarHandle LONGS = MappedRing.LONGS;

    private static final VarHandle INTS = MethodHandles.byteBufferViewVarHandle(int[].class,
            ByteOrder.LITTLE_ENDIAN);

    private final MappedRing ring;

    private final MappedByteBuffer map;

    private final int capacity;

    private final CRC32C crc = new CRC32C();

    private final ByteBuffer sequenceBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

    private IntakeJournal(MappedRing ring) {
        this.ring = ring;
        this.map = ring.map();
        this.capacity = (int) ring.capacity();
    }

    static IntakeJournal open(Path file) {
        return open(file, CAPACITY);
    }

    /** With a ring of {@code capacity} bytes, a multiple of 8 (tests fill a small one). */
    static IntakeJournal open(Path file, int capacity) {
        if (capacity % 8 != 0 || capacity < 64) {
            throw new IllegalArgumentException("capacity must be a multiple of 8, at least 64, but was " + capacity);
        }
        return new IntakeJournal(MappedRing.open(file, MAGIC, capacity, 1, 8, "an intake journal"));
    }

    /** The journal file of {@code queueName} in the SQLite store {@code storeFile}. */
    static Path fileOf(Path storeFile, String queueName) {
        return MappedRing.fileOf(storeFile, KIND, queueName);
    }

    /**
     * The bodies of {@code messages} as this journal stores them, made before taking the queue's lock; null when
     * one is larger than a quarter of the ring (it goes the way of a commit before returning).
     */
    @Nullable List<byte[]> encode(List<OutboundMessage> messages) {
        List<byte[]> bodies = new ArrayList<>(messages.size());
        for (OutboundMessage message : messages) {
            byte[] body = encode(message);
            if (RECORD_HEADER + body.length > this.capacity / 4) {
                return null;
            }
            bodies.add(body);
        }
        return bodies;
    }

    /**
     * Writes the bodies as the rows of sequences {@code firstSequence}, {@code firstSequence + 1}, ...; all or
     * none: false when the ring has no room for all of them.
     */
    boolean append(List<byte[]> bodies, long firstSequence) {
        long at = this.ring.end();
        for (byte[] body : bodies) {
            at = placed(at, recordLength(body)) + recordLength(body);
        }
        if (at - this.ring.start() > this.capacity) {
            return false;
        }
        long end = this.ring.end();
        long sequence = firstSequence;
        for (byte[] body : bodies) {
            end = write(end, body, sequence++);
        }
        this.ring.publish(end);
        return true;
    }

    /** Everything written up to here is in the commit being planned (or committed before). */
    long mark() {
        return this.ring.mark();
    }

    /** The commit that carried every record before {@code mark} succeeded: their room is free again. */
    void committed(long mark) {
        this.ring.committed(mark);
    }

    /** Rows an earlier run accepted whose insert may not be committed, in order; stops at a record not intact. */
    List<QueuedMessage> entries() {
        List<QueuedMessage> rows = new ArrayList<>();
        long end = this.ring.end();
        long at = this.ring.start();
        while (at < end) {
            int offset = offset(at);
            long tag = (long) LONGS.get(this.map, offset);
            if (tag == (at ^ PAD)) {
                at += this.capacity - (offset - MappedRing.HEADER);
                continue;
            }
            int length = (tag == (at ^ MAGIC)) ? (int) INTS.get(this.map, offset + 8) : -1;
            if (length < 0 || RECORD_HEADER + (long) length > this.capacity - (offset - MappedRing.HEADER)) {
                logger.warn("{}: the record at {} is not intact; the {} bytes after it are not replayed", file(), at,
                        end - at);
                break;
            }
            byte[] body = new byte[length];
            this.map.get(offset + RECORD_HEADER, body);
            long sequence = (long) LONGS.get(this.map, offset + 16);
            if ((int) INTS.get(this.map, offset + 12) != crc(sequence, body)) {
                logger.warn("{}: the record at {} fails its checksum; the {} bytes after it are not replayed",
                        file(), at, end - at);
                break;
            }
            rows.add(new QueuedMessage(sequence, decode(body)));
            at += align(RECORD_HEADER + length);
        }
        return rows;
    }

    /** Bytes written and not committed. */
    long size() {
        return this.ring.size();
    }

    Path file() {
        return this.ring.file();
    }

    /** Where a record of {@code length} bytes written at {@code at} starts: there, or after a pad to the lap. */
    private long placed(long at, int length) {
        int left = this.capacity - (offset(at) - MappedRing.HEADER);
        return (length <= left) ? at : at + left;
    }

    /** Writes one record at {@code end} (or after a pad); returns the position after it. */
    private long write(long end, byte[] body, long sequence) {
        int length = recordLength(body);
        long at = placed(end, length);
        if (at != end) {
            LONGS.set(this.map, offset(end), end ^ PAD);
        }
        int offset = offset(at);
        this.map.put(offset + RECORD_HEADER, body);
        INTS.set(this.map, offset + 8, body.length);
        INTS.set(this.map, offset + 12, crc(sequence, body));
        LONGS.set(this.map, offset + 16, sequence);
        LONGS.set(this.map, offset, at ^ MAGIC);
        return at + length;
    }

    private int offset(long position) {
        return MappedRing.HEADER + (int) (position % this.capacity);
    }

    private static int recordLength(byte[] body) {
        return align(RECORD_HEADER + body.length);
    }

    private static int align(int length) {
        return (length + 7) & ~7;
    }

    /** Under the queue's lock (or at open): one checksum and its sequence's bytes reused for every record. */
    private int crc(long sequence, byte[] body) {
        this.crc.reset();
        this.sequenceBytes.putLong(0, sequence).clear();
        this.crc.update(this.sequenceBytes);
        this.crc.update(body);
        return (int) this.crc.getValue();
    }

    /** Creation time, QoS, retain, then id, destination, headers (length -1: none) and payload, each sized. */
    private static byte[] encode(OutboundMessage message) {
        byte[] id = message.id().getBytes(StandardCharsets.UTF_8);
        byte[] destination = message.destination().getBytes(StandardCharsets.UTF_8);
        String headerText = OutboxWriter.encodeHeaders(message.headers());
        byte[] headers = (headerText != null) ? headerText.getBytes(StandardCharsets.UTF_8) : null;
        byte[] payload = message.payload();
        int length = 8 + 2 + 4 * 4 + id.length + destination.length + ((headers != null) ? headers.length : 0)
                + payload.length;
        ByteBuffer body = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        body.putLong(OutboxWriter.toNanos(message.createdAt()));
        body.put((byte) message.qos()).put((byte) (message.retain() ? 1 : 0));
        body.putInt(id.length).put(id);
        body.putInt(destination.length).put(destination);
        if (headers != null) {
            body.putInt(headers.length).put(headers);
        }
        else {
            body.putInt(-1);
        }
        body.putInt(payload.length).put(payload);
        return body.array();
    }

    private static OutboundMessage decode(byte[] bytes) {
        ByteBuffer body = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long createdAt = body.getLong();
        int qos = body.get();
        boolean retain = body.get() != 0;
        String id = new String(sized(body), StandardCharsets.UTF_8);
        String destination = new String(sized(body), StandardCharsets.UTF_8);
        byte[] headers = sized(body);
        byte[] payload = sized(body);
        return new OutboundMessage(id, destination, payload, qos, retain, OutboxWriter.fromNanos(createdAt),
                OutboxWriter.decodeHeaders((headers != null) ? new String(headers, StandardCharsets.UTF_8) : null));
    }

    private static byte @Nullable [] sized(ByteBuffer body) {
        int length = body.getInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        body.get(bytes);
        return bytes;
    }

    @Override
    public String toString() {
        return "IntakeJournal[" + file() + ", " + size() + " bytes pending]";
    }
}
