package dev.iotspring.core.store;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.QueuedMessage;

/**
 * What {@code drop-oldest} drops while one group commit of a {@link JdbcOutboundQueue} is planned, oldest first:
 * requeued rows (all older than the cursor), then committed rows not handed out (in the read-ahead, then on disk),
 * then the batch's own inserts. Made only when a batch overflows; planned under the queue's lock.
 */
final class OldestFirstVictims {

    /** Requeued rows to drop (their sequences). */
    final List<Long> requeued = new ArrayList<>();

    /** Committed, unread rows to drop. */
    final List<QueuedMessage> persisted = new ArrayList<>();

    private final Iterator<Map.Entry<Long, QueuedMessage>> requeuedLeft;

    private final Iterator<QueuedMessage> unreadInHeap;

    private final boolean moreOnDisk;

    private long diskCursor;

    private final OutboxWriter writer;

    OldestFirstVictims(TreeMap<Long, QueuedMessage> requeued, ReadAhead readAhead, OutboxWriter writer) {
        this.requeuedLeft = requeued.entrySet().iterator();
        this.unreadInHeap = readAhead.unread();
        this.moreOnDisk = !readAhead.isComplete();
        this.diskCursor = readAhead.lastKnownSequence();
        this.writer = writer;
    }

    /** The next message to drop; one of {@code inserts} (removed from it) when nothing older is left. */
    OutboundMessage next(List<QueuedMessage> inserts) {
        if (this.requeuedLeft.hasNext()) {
            Map.Entry<Long, QueuedMessage> oldest = this.requeuedLeft.next();
            this.requeued.add(oldest.getKey());
            return oldest.getValue().message();
        }
        QueuedMessage oldest = null;
        if (this.unreadInHeap.hasNext()) {
            oldest = this.unreadInHeap.next();
        }
        else if (this.moreOnDisk) {
            List<QueuedMessage> onDisk = this.writer.read(this.diskCursor, 1);
            if (!onDisk.isEmpty()) {
                oldest = onDisk.get(0);
                this.diskCursor = oldest.sequence();
            }
        }
        if (oldest != null) {
            this.persisted.add(oldest);
            return oldest.message();
        }
        return inserts.remove(0).message();
    }
}
