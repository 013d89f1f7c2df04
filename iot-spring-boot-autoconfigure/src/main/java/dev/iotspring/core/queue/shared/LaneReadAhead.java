package dev.iotspring.core.queue.shared;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import dev.iotspring.core.queue.QueuedMessage;

/**
 * What one {@link SharedOutboxQueue} has read of the lanes it holds: per lane a cursor (the last id read), the rows
 * read ahead and not handed out (every lane's, oldest first), and the rows in flight. A poll reads only rows it has
 * not seen, a page at a time; rows committed behind a cursor move it back ({@link #committed}); lanes gained are
 * read from their start, lanes lost take their rows read ahead with them.
 *
 * <p>Not thread-safe: the queue calls it under its lock, except {@link #committed}, which a send calls without it.
 */
final class LaneReadAhead {

    /** Rows read per lane and query; a poll asking for more reads more. */
    private static final int READ_AHEAD = 256;

    private final SharedOutboxSql sql;

    private final Map<String, Lane> lanes = new HashMap<>();

    /** Rows read and not handed out, of every lane, oldest first. */
    private final TreeMap<Long, Row> readAhead = new TreeMap<>();

    private final Map<Long, Row> inFlight = new HashMap<>();

    /** Per lane, the lowest id committed since the last poll (see {@link #committed}). */
    private final Map<String, Long> commits = new ConcurrentHashMap<>();

    private Set<String> lanesSeen = Set.of();

    LaneReadAhead(SharedOutboxSql sql) {
        this.sql = sql;
    }

    /**
     * Committed rows from {@code firstId} on in {@code lane}: the next poll reads them, even if its cursor is past
     * them. Noted without the lock, so that a send never waits for the dispatcher's database round trips.
     */
    void committed(String lane, long firstId) {
        this.commits.merge(lane, firstId, Math::min);
    }

    /**
     * Up to {@code max} rows of the lanes {@code held}, oldest first, now in flight.
     * @param leaseValid whether the lease renewed last is surely still valid; if not, what was read ahead may be
     * another instance's by now and is read again under the lease check
     * @param owner this instance, whose lease the read checks
     */
    List<QueuedMessage> take(Set<String> held, boolean leaseValid, String owner, int max) {
        if (!leaseValid) {
            forgetReadAhead();
        }
        syncLanes(held);
        applyCommits();
        for (Lane lane : this.lanes.values()) {
            while (!lane.drained && lane.pending < max) {
                read(lane, owner, Math.max(READ_AHEAD, max));
            }
        }
        List<QueuedMessage> taken = new ArrayList<>(Math.min(max, this.readAhead.size()));
        Iterator<Row> oldestFirst = this.readAhead.values().iterator();
        while (taken.size() < max && oldestFirst.hasNext()) {
            Row row = oldestFirst.next();
            oldestFirst.remove();
            row.lane.pending--;
            this.inFlight.put(row.queued.sequence(), row);
            taken.add(row.queued);
        }
        return taken;
    }

    private void read(Lane lane, String owner, int page) {
        List<QueuedMessage> rows = this.sql.read(lane.name, lane.after, owner, page);
        for (QueuedMessage row : rows) {
            long id = row.sequence();
            lane.after = Math.max(lane.after, id);
            if (!this.inFlight.containsKey(id) && !this.readAhead.containsKey(id)) {
                this.readAhead.put(id, new Row(row, lane));
                lane.pending++;
            }
        }
        lane.drained = rows.size() < page;
    }

    /** Lanes with new commits are read again, from the lowest id committed. */
    private void applyCommits() {
        for (String name : this.commits.keySet()) {
            Long firstId = this.commits.remove(name);
            Lane lane = this.lanes.get(name);
            if (lane != null && firstId != null) {
                lane.drained = false;
                if (firstId <= lane.after) {
                    lane.after = firstId - 1;
                }
            }
        }
    }

    /** Lanes lost since the last poll take their rows read ahead with them; gained ones are read from the start. */
    private void syncLanes(Set<String> held) {
        if (held == this.lanesSeen) {
            return;
        }
        this.lanes.keySet().removeIf(name -> !held.contains(name));
        this.readAhead.values().removeIf(row -> !held.contains(row.lane.name));
        for (String name : held) {
            this.lanes.computeIfAbsent(name, Lane::new);
        }
        this.lanesSeen = held;
    }

    private void forgetReadAhead() {
        this.readAhead.clear();
        for (Lane lane : this.lanes.values()) {
            lane.after = 0;
            lane.pending = 0;
            lane.drained = false;
        }
    }

    /** Acknowledged rows leave the rows in flight. */
    void acked(long[] ids) {
        for (long id : ids) {
            this.inFlight.remove(id);
        }
    }

    /** The rows never left the table: back to their place among the rows read ahead, if the lane is ours. */
    void requeue(Collection<QueuedMessage> messages) {
        for (QueuedMessage message : messages) {
            Row row = this.inFlight.remove(message.sequence());
            if (row != null && this.lanes.get(row.lane.name) == row.lane
                    && this.readAhead.putIfAbsent(message.sequence(), row) == null) {
                row.lane.pending++;
            }
        }
    }

    /** A row deleted while read ahead and not handed out (dropped by the overflow rule). */
    void removeUnsent(long id) {
        Row unsent = this.readAhead.remove(id);
        if (unsent != null) {
            unsent.lane.pending--;
        }
    }

    boolean isInFlight(long id) {
        return this.inFlight.containsKey(id);
    }

    int inFlightCount() {
        return this.inFlight.size();
    }

    /** Every lane is read again at the next poll: the lease tick may have made some readable, or added rows. */
    void readAgain() {
        this.lanes.values().forEach(lane -> lane.drained = false);
    }

    /** A lane as this instance reads it. */
    private static final class Lane {

        final String name;

        /** The highest id read so far; the next read starts after it. */
        long after;

        /** Rows of this lane in the read-ahead. */
        int pending;

        /** The last read found no more rows; set back by a commit into the lane and by every lease tick. */
        boolean drained;

        Lane(String name) {
            this.name = name;
        }
    }

    /** A row read, with the lane it belongs to. */
    private record Row(QueuedMessage queued, Lane lane) {
    }
}
