package dev.iotspring.core.queue.shared;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Which lanes of one shared queue this instance delivers. A lane is one producing instance's messages (the
 * {@code producer} column); its row in {@code <prefix>outbox_lease} names the instance that delivers it and until
 * when. Each instance holds its own lane and renews the lease; a lane whose lease expired (its holder died or
 * stalled) is claimed by a survivor with {@code SELECT ... FOR UPDATE SKIP LOCKED}, so only one survivor gets it,
 * and delivered in order from its oldest row. One holder per lane is what keeps the order per producer.
 *
 * <p>An instance that stalled past its lease (a long GC pause, a frozen VM) may find its lane taken over when it
 * resumes. It then writes on in a new lane that <em>follows</em> the lost one (column {@code follows}): nobody
 * delivers a lane while the lane it follows still has rows or a lease, so the stalled instance's later messages
 * never overtake its earlier ones that the survivor is still delivering.
 *
 * <p>Lease times are the database's clock (the offset to the local clock is measured at start), so instances with
 * skewed clocks agree on expiry; tests pass a {@link Clock} instead, which is then used as is. The lease thread
 * calls {@link #tick()}; the dispatcher thread reads {@link #held()} and {@link #leaseValid()}.
 */
final class LaneLeases {

    private static final Logger logger = LoggerFactory.getLogger(SharedOutboxQueue.class);

    /** Every this many ticks, lanes whose lease row is missing (a stalled producer wrote after losing it). */
    private static final int ORPHAN_SCAN_EVERY = 10;

    private final JdbcTemplate jdbc;

    private final TransactionTemplate tx;

    private final String outbox;

    private final String leases;

    private final String queueName;

    private final String instanceId;

    private final long leaseMillis;

    private final String forUpdateSkipLocked;

    /** Null: the database's clock, through {@link #clockOffset}. */
    private final @Nullable Clock clock;

    private volatile long clockOffset;

    /** Until when (database clock) the leases renewed last are surely still this instance's. */
    private volatile long validUntil;

    private int generation;

    private int ticks;

    /** The lane this instance's own offers go to. */
    private volatile String producer;

    private volatile Set<String> held = Set.of();

    /** Held lanes minus those whose followed lane is not delivered yet. */
    private volatile Set<String> readable = Set.of();

    LaneLeases(JdbcTemplate jdbc, TransactionTemplate tx, String prefix, String queueName, String instanceId,
            long leaseMillis, @Nullable Clock clock) {
        this.clock = clock;
        this.jdbc = jdbc;
        this.tx = tx;
        this.outbox = prefix + "shared_outbox";
        this.leases = prefix + "outbox_lease";
        this.queueName = queueName;
        this.instanceId = instanceId;
        this.leaseMillis = leaseMillis;
        this.producer = instanceId;
        this.forUpdateSkipLocked = " FOR UPDATE SKIP LOCKED";
    }

    /** Takes this instance's own lane. */
    void start() {
        syncClock();
        claimOwn(null);
        publish(heldLanes());
    }

    String producer() {
        return this.producer;
    }

    String instanceId() {
        return this.instanceId;
    }

    /** Lanes this instance holds, own lane first. */
    Set<String> held() {
        return this.held;
    }

    /** Lanes to read: those held, except lanes that wait for the lane they follow to be delivered. */
    Set<String> readable() {
        return this.readable;
    }

    /**
     * Whether the leases renewed last cannot have expired yet (with a margin for the clock offset's error): while
     * so, rows read ahead may be handed out from memory; after, only rows read again under the lease check.
     */
    boolean leaseValid() {
        return now() < this.validUntil;
    }

    /**
     * Renews every held lease, drops lanes another instance took over, claims expired ones and lets go of
     * adopted lanes that are empty.
     * @return whether a lane was added (its rows are new work)
     */
    boolean tick() {
        if (++this.ticks % ORPHAN_SCAN_EVERY == 0) {
            syncClock();
            registerOrphans();
        }
        long now = now();
        this.jdbc.update("UPDATE " + this.leases + " SET lease_until = ? WHERE queue_name = ? AND owner = ?",
                now + this.leaseMillis, this.queueName, this.instanceId);
        Set<String> before = this.held;
        Map<String, String> current = heldLanes();
        if (!current.containsKey(this.producer)) {
            // This instance stalled past its lease and a survivor took its lane (and delivers it): continue in a
            // lane of its own that waits for the lost one, so new messages neither go to another instance nor
            // overtake the older ones the survivor still delivers.
            String lost = this.producer;
            this.producer = this.instanceId + "-" + (++this.generation);
            logger.warn("Shared queue {}: lane {} was taken over by another instance (this one missed its lease); "
                    + "continuing as {} once {} is delivered", this.queueName, lost, this.producer, lost);
            claimOwn(lost);
            current = heldLanes();
        }
        List<String> adopted = adoptExpired(now);
        if (!adopted.isEmpty()) {
            logger.info("Shared queue {}: took over lanes {} whose holder's lease expired", this.queueName, adopted);
            current = heldLanes();
        }
        for (String lane : List.copyOf(current.keySet())) {
            if (!lane.equals(this.producer) && releaseIfEmpty(lane, current.get(lane))) {
                logger.debug("Shared queue {}: lane {} delivered completely, released", this.queueName, lane);
                current.remove(lane);
            }
        }
        publish(current);
        // After the lanes: a poll that sees the renewed validity also sees the lanes lost meanwhile gone.
        this.validUntil = now + this.leaseMillis - safetyMargin();
        return !before.containsAll(current.keySet());
    }

    /** Gives every held lane up at once (a clean stop): what is left is another instance's to deliver now. */
    void release() {
        this.validUntil = 0;
        this.readable = Set.of();
        this.held = Set.of();
        this.jdbc.update("UPDATE " + this.leases + " SET lease_until = 0 WHERE queue_name = ? AND owner = ?",
                this.queueName, this.instanceId);
    }

    /** A lease renewed at {@code t} is trusted until {@code t + lease - margin}: the clock offset is an estimate. */
    private long safetyMargin() {
        return Math.max(50, this.leaseMillis / 4);
    }

    private void claimOwn(@Nullable String follows) {
        long now = now();
        long until = now + this.leaseMillis;
        String lane = this.producer;
        int updated = this.jdbc.update("UPDATE " + this.leases + " SET owner = ?, lease_until = ? "
                + "WHERE queue_name = ? AND producer = ?", this.instanceId, until, this.queueName, lane);
        if (updated == 0) {
            try {
                this.jdbc.update("INSERT INTO " + this.leases + " (queue_name, producer, owner, lease_until, follows) "
                        + "VALUES (?, ?, ?, ?, ?)", this.queueName, lane, this.instanceId, until, follows);
            }
            catch (DataIntegrityViolationException ex) {
                // Another instance registered the lane between the two statements: an id used twice.
                throw new IllegalStateException("Shared queue " + this.queueName + ": instance id " + lane
                        + " is used by two running instances; each needs its own", ex);
            }
        }
        if (follows == null) {
            this.validUntil = now + this.leaseMillis - safetyMargin();
        }
    }

    /** Held lanes (own lane first) with the lane each follows, or null. */
    private Map<String, String> heldLanes() {
        Map<String, String> lanes = new LinkedHashMap<>();
        this.jdbc.query("SELECT producer, follows FROM " + this.leases + " WHERE queue_name = ? AND owner = ? "
                + "ORDER BY producer", rs -> {
                    lanes.put(rs.getString(1), rs.getString(2));
                }, this.queueName, this.instanceId);
        if (lanes.containsKey(this.producer)) {
            Map<String, String> ownFirst = new LinkedHashMap<>();
            ownFirst.put(this.producer, lanes.remove(this.producer));
            ownFirst.putAll(lanes);
            return ownFirst;
        }
        return lanes;
    }

    private void publish(Map<String, String> lanes) {
        Set<String> readable = new LinkedHashSet<>();
        lanes.forEach((lane, follows) -> {
            if (follows == null || laneGone(follows)) {
                readable.add(lane);
            }
        });
        this.readable = Set.copyOf(readable);
        this.held = Set.copyOf(lanes.keySet());
    }

    /** Claims lanes whose lease expired; the row lock makes exactly one claimant win each. */
    private List<String> adoptExpired(long now) {
        List<String> adopted = this.tx.execute(status -> {
            List<String> expired = this.jdbc.queryForList("SELECT producer FROM " + this.leases
                    + " WHERE queue_name = ? AND lease_until < ? ORDER BY producer" + this.forUpdateSkipLocked,
                    String.class, this.queueName, now);
            List<String> claimed = new ArrayList<>(expired.size());
            for (String lane : expired) {
                this.jdbc.update("UPDATE " + this.leases + " SET owner = ?, lease_until = ? WHERE queue_name = ? "
                        + "AND producer = ?", this.instanceId, now + this.leaseMillis, this.queueName, lane);
                claimed.add(lane);
            }
            return claimed;
        });
        return (adopted != null) ? adopted : List.of();
    }

    /**
     * Deletes an adopted lane's lease once it has no rows left (its producer writes to it no more) and the lane it
     * follows is gone too, so that a lane following this one waits for the whole chain.
     */
    private boolean releaseIfEmpty(String lane, @Nullable String follows) {
        if (follows != null && !laneGone(follows)) {
            return false;
        }
        return this.jdbc.update("DELETE FROM " + this.leases + " WHERE queue_name = ? AND producer = ? AND owner = ? "
                + "AND NOT EXISTS (SELECT 1 FROM " + this.outbox + " WHERE queue_name = ? AND producer = ?)",
                this.queueName, lane, this.instanceId, this.queueName, lane) > 0;
    }

    /**
     * Whether a lane was delivered completely: neither rows nor a lease row left (two index look-ups; the lease
     * row of a lane that follows another goes only after that one, see {@link #releaseIfEmpty}).
     */
    private boolean laneGone(String lane) {
        return this.jdbc.queryForList("SELECT 1 FROM " + this.leases + " WHERE queue_name = ? AND producer = ?",
                Integer.class, this.queueName, lane).isEmpty()
                && this.jdbc.queryForList("SELECT 1 FROM " + this.outbox + " WHERE queue_name = ? AND producer = ? "
                        + "LIMIT 1", Integer.class, this.queueName, lane).isEmpty();
    }

    /** Rows whose lane has no lease row get one, expired, so that someone claims them. */
    private void registerOrphans() {
        List<String> orphans = this.jdbc.queryForList("SELECT DISTINCT producer FROM " + this.outbox
                + " o WHERE queue_name = ? AND NOT EXISTS (SELECT 1 FROM " + this.leases
                + " l WHERE l.queue_name = o.queue_name AND l.producer = o.producer)", String.class, this.queueName);
        for (String lane : orphans) {
            try {
                this.jdbc.update("INSERT INTO " + this.leases + " (queue_name, producer, owner, lease_until) "
                        + "VALUES (?, ?, ?, 0)", this.queueName, lane, this.instanceId);
            }
            catch (DataIntegrityViolationException ex) {
                // registered meanwhile
            }
        }
    }

    /** The database's clock in epoch milliseconds. */
    long now() {
        return (this.clock != null) ? this.clock.millis() : System.currentTimeMillis() + this.clockOffset;
    }

    private void syncClock() {
        if (this.clock != null) {
            return;
        }
        long before = System.currentTimeMillis();
        Timestamp database = this.jdbc.queryForObject("SELECT CURRENT_TIMESTAMP", Timestamp.class);
        long after = System.currentTimeMillis();
        if (database != null) {
            this.clockOffset = database.getTime() - (before + after) / 2;
        }
    }
}
