package dev.iotspring.test.stellmap;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.test.stellmap.StellMapEmulator.Instance;

/**
 * What a StellMap node holds: the instance store, the global revision, the bounded event history and the open
 * watch streams, plus its raft role. Every change goes through one lock, so watchers see events in revision order.
 */
final class RegistryState {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private static final Logger logger = LoggerFactory.getLogger(RegistryState.class);

    private final Clock clock;

    private final int historySize;

    private final int watcherBuffer;

    private final Object lock = new Object();

    private final TreeMap<String, Instance> store = new TreeMap<>();

    private final Deque<Event> history = new ArrayDeque<>();

    private final List<Watcher> watchers = new CopyOnWriteArrayList<>();

    private long revision;

    private boolean stopped;

    volatile Mode mode = Mode.LEADER;

    volatile int leaderId;

    volatile @Nullable String leaderAddr;

    RegistryState(Clock clock, int historySize, int watcherBuffer, long initialRevision) {
        this.clock = clock;
        this.historySize = historySize;
        this.watcherBuffer = watcherBuffer;
        this.revision = initialRevision;
    }

    long nowSeconds() {
        return this.clock.millis() / 1000;
    }

    java.time.Instant now() {
        return this.clock.instant();
    }

    // ---------------------------------------------------------------- writes

    void register(Instance instance) {
        synchronized (this.lock) {
            this.store.put(instance.key(), instance);
            publish(new Event(++this.revision, "upsert", instance.namespace(), instance.service(),
                    instance.instanceId(), instance));
        }
    }

    /** Renews a record; {@code false} when it is unknown. An expired record that was not purged comes back. */
    boolean heartbeat(String namespace, String service, String instanceId, long ttl) {
        synchronized (this.lock) {
            String key = key(namespace, service, instanceId);
            Instance current = this.store.get(key);
            if (current == null) {
                return false;
            }
            Instance renewed = current.renewed(nowSeconds(), ttl > 0 ? ttl : current.leaseTtlSeconds());
            this.store.put(key, renewed);
            publish(new Event(++this.revision, "upsert", namespace, service, instanceId, renewed));
            return true;
        }
    }

    /** Proposed even when absent: idempotent, and the delete event is still emitted. */
    void deregister(String namespace, String service, String instanceId) {
        synchronized (this.lock) {
            this.store.remove(key(namespace, service, instanceId));
            publish(new Event(++this.revision, "delete", namespace, service, instanceId, null));
        }
    }

    boolean forget(String namespace, String service, String instanceId) {
        synchronized (this.lock) {
            Instance removed = this.store.remove(key(namespace, service, instanceId));
            if (removed != null) {
                publish(new Event(++this.revision, "delete", namespace, service, instanceId, null));
            }
            return removed != null;
        }
    }

    int purgeExpired() {
        synchronized (this.lock) {
            long now = nowSeconds();
            List<Instance> dead = this.store.values().stream().filter((i) -> !i.aliveAt(now)).toList();
            for (Instance instance : dead) {
                this.store.remove(instance.key());
                publish(new Event(++this.revision, "delete", instance.namespace(), instance.service(),
                        instance.instanceId(), null));
            }
            return dead.size();
        }
    }

    /**
     * The node stops: open watch streams end, and a watch that arrives from now on is refused (see
     * {@link #open}), also one whose request was read just before.
     */
    void stop() {
        synchronized (this.lock) {
            this.stopped = true;
        }
        this.watchers.forEach(Watcher::end);
    }

    /** A restart: the in-memory history is gone; data and revision stay. */
    void clearHistory() {
        synchronized (this.lock) {
            this.history.clear();
        }
    }

    // ---------------------------------------------------------------- reads

    List<Instance> instances() {
        synchronized (this.lock) {
            return List.copyOf(this.store.values());
        }
    }

    Optional<Instance> instance(String namespace, String service, String instanceId) {
        synchronized (this.lock) {
            return Optional.ofNullable(this.store.get(key(namespace, service, instanceId)));
        }
    }

    long revision() {
        synchronized (this.lock) {
            return this.revision;
        }
    }

    List<Instance> matching(EmulatorFilter filter) {
        synchronized (this.lock) {
            long now = nowSeconds();
            List<Instance> result = new ArrayList<>();
            for (Instance instance : this.store.values()) {
                if (instance.aliveAt(now) && filter.inScope(instance.namespace(), instance.service())
                        && filter.matchesAttributes(instance)) {
                    result.add(filter.filterEndpoints(instance));
                    if (filter.limit > 0 && result.size() >= filter.limit) {
                        break;
                    }
                }
            }
            return result;
        }
    }

    // ---------------------------------------------------------------- watch

    List<Watcher> watchers() {
        return this.watchers;
    }

    /**
     * Opens a watcher the way {@code WatchInstances} does: replay from history when it covers
     * {@code since}, else a snapshot (when asked for), else {@code null} for {@code 410 revision_expired}.
     * The initial frames are in {@link Watcher#initial}.
     * @throws IllegalStateException when the node {@link #stop stopped}
     */
    @Nullable Watcher open(EmulatorFilter filter, long since, boolean includeSnapshot) {
        Watcher watcher = new Watcher(filter, Sinks.many().unicast().onBackpressureBuffer(
                Queues.<String>get(this.watcherBuffer).get()));
        synchronized (this.lock) {
            if (this.stopped) {
                throw new IllegalStateException("The node stopped");
            }
            boolean covered = since > 0 && !this.history.isEmpty()
                    && (this.history.peekFirst().revision <= since + 1 || since >= this.history.peekLast().revision);
            if (since > 0 && covered) {
                for (Event event : this.history) {
                    if (event.revision > since) {
                        String frame = watcher.frameFor(event, nowSeconds());
                        if (frame != null) {
                            watcher.initial.add(frame);
                        }
                    }
                }
                watcher.lastSent = Math.max(since, this.history.peekLast().revision);
            }
            else if (includeSnapshot) {
                watcher.initial.add(snapshotFrame(filter));
                watcher.lastSent = this.revision;
            }
            else if (since > 0) {
                return null;
            }
            else {
                watcher.lastSent = this.revision;
            }
            this.watchers.add(watcher);
        }
        return watcher;
    }

    private String snapshotFrame(EmulatorFilter filter) {
        ObjectNode data = JSON.createObjectNode().put("revision", this.revision).put("type", "snapshot")
            .put("namespace", filter.namespace);
        String service = filter.snapshotService();
        if (service != null) {
            data.put("service", service);
        }
        List<Instance> instances = matching(filter);
        if (!instances.isEmpty()) {
            ArrayNode array = data.putArray("instances");
            instances.forEach((i) -> array.add(i.toJson()));
        }
        return frame(this.revision, "snapshot", data);
    }

    private void publish(Event event) {
        // Called with the lock held, so every watcher sees events in revision order.
        this.history.addLast(event);
        while (this.history.size() > this.historySize) {
            this.history.removeFirst();
        }
        long now = nowSeconds();
        for (Watcher watcher : this.watchers) {
            String frame = watcher.frameFor(event, now);
            if (frame != null) {
                watcher.lastSent = event.revision;
                if (!watcher.emit(frame)) {
                    // Slow consumer: the real server ends the stream and the client must resume.
                    watcher.end();
                }
            }
        }
    }

    static String frame(long revision, String type, JsonNode data) {
        return "id: " + revision + "\nevent: " + type + "\ndata: " + JSON.writeValueAsString(data) + "\n\n";
    }

    static String key(String namespace, String service, String instanceId) {
        return "/registry/" + namespace + "/" + service + "/" + instanceId;
    }

    static void putStructured(ObjectNode node, String service) {
        String[] parts = service.split("\\.", -1);
        if (parts.length == 5 && java.util.Arrays.stream(parts).noneMatch(String::isBlank)) {
            node.put("organization", parts[0]).put("businessDomain", parts[1]).put("capabilityDomain", parts[2])
                .put("application", parts[3]).put("role", parts[4]);
        }
    }

    // ---------------------------------------------------------------- types

    enum Mode {

        LEADER, FOLLOWER, NO_LEADER

    }

    private record Event(long revision, String type, String namespace, String service, String instanceId,
            @Nullable Instance instance) {
    }

    /** One open watch stream. */
    static final class Watcher {

        final EmulatorFilter filter;

        final Sinks.Many<String> sink;

        final List<String> initial = new ArrayList<>();

        volatile reactor.netty.@Nullable Connection connection;

        final Sinks.Empty<Void> ended = Sinks.empty();

        volatile long lastSent;

        Watcher(EmulatorFilter filter, Sinks.Many<String> sink) {
            this.filter = filter;
            this.sink = sink;
        }

        /** The frame this watcher gets for an event, or {@code null} when it is out of scope or already sent. */
        @Nullable String frameFor(Event event, long now) {
            if (event.revision <= this.lastSent || !this.filter.inScope(event.namespace, event.service)) {
                return null;
            }
            ObjectNode data = JSON.createObjectNode().put("revision", event.revision);
            Instance instance = event.instance;
            boolean upsert = instance != null && instance.aliveAt(now) && this.filter.matchesAttributes(instance);
            data.put("type", upsert ? "upsert" : "delete").put("namespace", event.namespace)
                .put("service", event.service);
            putStructured(data, event.service);
            data.put("instanceId", event.instanceId);
            if (upsert) {
                data.set("instance", this.filter.filterEndpoints(instance).toJson());
            }
            return frame(event.revision, upsert ? "upsert" : "delete", data);
        }

        /** A clean end of the stream (the chunked response is terminated properly). */
        void end() {
            this.ended.tryEmitEmpty();
            this.sink.tryEmitComplete();
        }

        boolean emit(String frame) {
            return this.sink.tryEmitNext(frame).isSuccess();
        }

        void abort() {
            // Closing the channel ends the chunked response without its last chunk, as a dying node would.
            reactor.netty.Connection open = this.connection;
            if (open != null) {
                open.dispose();
            }
            end();
            logger.debug("Cut a watch stream");
        }
    }
}
