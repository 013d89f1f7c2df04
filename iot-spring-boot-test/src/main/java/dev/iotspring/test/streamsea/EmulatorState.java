package dev.iotspring.test.streamsea;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.test.streamsea.StreamSeaEmulator.DefaultGroupScope;

/**
 * What the emulated server holds: clients and their jails, schema versions, consumer groups and the routing of
 * published messages to them, and everything recorded for assertions.
 */
final class EmulatorState {

    final JsonMapper json = JsonMapper.builder().build();

    final EmulatorFaults faults;

    final Map<String, Client> clients = new ConcurrentHashMap<>();

    /** jail -> stream -> versions in ascending order. */
    final Map<String, Map<String, List<JsonNode>>> schemas = new ConcurrentHashMap<>();

    /** "jail/stream" -> group key -> group. Guarded by {@code this}. */
    private final Map<String, Map<String, Group>> groups = new LinkedHashMap<>();

    final List<WebSocketSession> connections = new CopyOnWriteArrayList<>();

    final AtomicInteger connectionIds = new AtomicInteger();

    // ---- recordings ---------------------------------------------------------------------------------------

    final List<RecordedFrame> frames = new CopyOnWriteArrayList<>();

    final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();

    final List<String> violations = new CopyOnWriteArrayList<>();

    /** "stream" -> payloads accepted (answered 200), in order. */
    final Map<String, List<JsonNode>> accepted = new ConcurrentHashMap<>();

    /** "stream" -> delivery frames sent to subscribers. */
    final Map<String, AtomicLong> deliveries = new ConcurrentHashMap<>();

    /** Subscriptions that joined a group (after their ack went out), since start or the last clear. */
    final AtomicLong joins = new AtomicLong();

    EmulatorState(EmulatorFaults faults) {
        this.faults = faults;
    }

    Client client(String clientId) {
        Client client = this.clients.get(clientId);
        if (client == null) {
            throw new IllegalArgumentException("No client '" + clientId + "'; add it with addClient first");
        }
        return client;
    }

    void clearRecordings() {
        this.frames.clear();
        this.requests.clear();
        this.violations.clear();
        this.accepted.clear();
        this.deliveries.clear();
        this.joins.set(0);
    }

    // ---- groups and routing ------------------------------------------------------------------------------

    synchronized void join(String jailId, String stream, String groupKey, Member member) {
        this.groups.computeIfAbsent(jailId + "/" + stream, (k) -> new LinkedHashMap<>())
            .computeIfAbsent(groupKey, (k) -> new Group())
            .members.add(member);
        this.joins.incrementAndGet();
    }

    synchronized void leave(WebSocketSession connection) {
        for (Map<String, Group> byKey : this.groups.values()) {
            byKey.values().forEach((group) -> group.members.removeIf((m) -> m.connection() == connection));
            byKey.values().removeIf((group) -> group.members.isEmpty());
        }
    }

    /**
     * Sends the message to one member of every group subscribed to the stream, round robin among the members whose
     * JWT filter lets it through (whether the real server filters before or after picking a member is unconfirmed;
     * a private group, as a {@code mustFanout} bearer's, behaves the same either way).
     */
    synchronized void route(String jailId, String stream, JsonNode message) {
        Map<String, Group> byKey = this.groups.get(jailId + "/" + stream);
        if (byKey == null) {
            return;
        }
        for (Group group : byKey.values()) {
            List<Member> eligible = group.members.stream()
                .filter((m) -> DeliveryFilter.accepts(m.connection().filter, stream, message))
                .toList();
            if (eligible.isEmpty()) {
                continue;
            }
            Member member = eligible.get(Math.floorMod(group.cursor++, eligible.size()));
            ObjectNode delivery = this.json.createObjectNode();
            delivery.put("id", member.subscriptionId());
            delivery.put("action", this.faults.answerAction);
            delivery.put("streamName", stream);
            delivery.set("payload", message);
            member.connection().sendText(delivery.toString());
            this.deliveries.computeIfAbsent(stream, (s) -> new AtomicLong()).incrementAndGet();
        }
    }

    String groupKey(WebSocketSession connection, int subscriptionId, @Nullable String groupId) {
        if (connection.mustFanout) {
            return "private:" + connection.id + ":" + subscriptionId;
        }
        if (groupId != null) {
            return "group:" + groupId;
        }
        return (this.faults.defaultGroupScope == DefaultGroupScope.PER_JAIL) ? "default-jail"
                : "default:" + connection.clientId;
    }

    synchronized Map<String, Integer> groupSizes(String jailId, String stream) {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        Map<String, Group> byKey = this.groups.get(jailId + "/" + stream);
        if (byKey != null) {
            byKey.forEach((key, group) -> sizes.put(key, group.members.size()));
        }
        return sizes;
    }

    /** Group memberships a socket holds now (one per acknowledged subscription). */
    synchronized int memberships(int connectionId) {
        int count = 0;
        for (Map<String, Group> byKey : this.groups.values()) {
            for (Group group : byKey.values()) {
                count += (int) group.members.stream().filter((m) -> m.connection().id == connectionId).count();
            }
        }
        return count;
    }

    static final class Client {

        final String id;

        final String jailId;

        final String secret;

        volatile @Nullable PublicKey jwtPublicKey;

        Client(String id, String jailId, String secret) {
            this.id = id;
            this.jailId = jailId;
            this.secret = secret;
        }
    }

    record Member(WebSocketSession connection, int subscriptionId) {
    }

    private static final class Group {

        final List<Member> members = new ArrayList<>();

        int cursor;
    }
}
