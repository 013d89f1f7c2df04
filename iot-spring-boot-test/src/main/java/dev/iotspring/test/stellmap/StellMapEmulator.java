package dev.iotspring.test.stellmap;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.util.concurrent.Queues;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.test.netty.IsolatedLoopHttpServer;

/**
 * An in-process StellMap node ({@code stellmapd}) speaking the public registry API of
 * {@code specs/stellmap.md}: strict JSON decoding that rejects unknown keys, a global revision counter, leases
 * with a purge loop, an SSE watch with keepalive comments, bounded history, resume by {@code sinceRevision} and
 * {@code 410 revision_expired}, a follower mode answering {@code not_leader}, and fault knobs. Binds to
 * {@code 127.0.0.1} on a random port.
 *
 * <pre>
 * try (StellMapEmulator stellmap = StellMapEmulator.builder().start()) {
 *     String url = stellmap.url();                       // iot.stellmap.server-url
 *     stellmap.requests("/api/v1/registry/register");    // what the client sent
 * }
 * </pre>
 */
public final class StellMapEmulator implements AutoCloseable {

    static final String BASE = "/api/v1/registry/";

    private static final Logger logger = LoggerFactory.getLogger(StellMapEmulator.class);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final Set<String> IDENTITY_KEYS = Set.of("namespace", "service", "organization", "businessDomain",
            "capabilityDomain", "application", "role", "instanceId");

    private static final Set<String> REGISTER_KEYS = union(IDENTITY_KEYS,
            Set.of("zone", "labels", "metadata", "endpoints", "leaseTtlSeconds"));

    private static final Set<String> HEARTBEAT_KEYS = union(IDENTITY_KEYS, Set.of("leaseTtlSeconds"));

    private static final Set<String> ENDPOINT_KEYS = Set.of("name", "protocol", "host", "port", "path", "weight");

    private static final long DEFAULT_TTL = 30;

    private final Clock clock;

    private final Duration cleanupInterval;

    private final Duration keepaliveInterval;

    private final String keepaliveComment;

    private final int historySize;

    private final int watcherBuffer;

    private final int nodeId;

    private final boolean initialPing;

    private final @Nullable PrivateKey tlsKey;

    private final X509Certificate[] tlsChain;

    private final Object lock = new Object();

    private final TreeMap<String, Instance> store = new TreeMap<>();

    private final Deque<Event> history = new ArrayDeque<>();

    private final List<Watcher> watchers = new CopyOnWriteArrayList<>();

    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();

    private long revision;

    private volatile Mode mode = Mode.LEADER;

    private volatile int leaderId;

    private volatile @Nullable String leaderAddr;

    private volatile Duration responseDelay = Duration.ZERO;

    private final AtomicInteger failingWrites = new AtomicInteger();

    private volatile boolean splitFrames;

    private volatile @Nullable Consumer<RecordedRequest> requestListener;

    private @Nullable IsolatedLoopHttpServer server;

    private @Nullable Disposable purgeLoop;

    private StellMapEmulator(Builder builder) {
        this.clock = builder.clock;
        this.cleanupInterval = builder.cleanupInterval;
        this.keepaliveInterval = builder.keepaliveInterval;
        this.keepaliveComment = builder.keepaliveComment;
        this.historySize = builder.historySize;
        this.watcherBuffer = builder.watcherBuffer;
        this.nodeId = builder.nodeId;
        this.initialPing = builder.initialPing;
        this.tlsKey = builder.tlsKey;
        this.tlsChain = builder.tlsChain;
        this.revision = builder.initialRevision;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a node with the defaults of the real server (purge every 1 s, keepalive 15 s, history 2048). */
    public static StellMapEmulator start() {
        return builder().start();
    }

    private StellMapEmulator bind() {
        this.server = IsolatedLoopHttpServer.bind("stellmap-emulator-" + this.nodeId,
                IsolatedLoopHttpServer.secure(HttpServer.create(), this.tlsKey, this.tlsChain)
                    .host("127.0.0.1")
                    .port(0)
                    .handle(this::handle));
        if (!this.cleanupInterval.isZero()) {
            this.purgeLoop = Flux.interval(this.cleanupInterval, Schedulers.parallel())
                .subscribe((tick) -> purgeExpired());
        }
        return this;
    }

    /**
     * Base URL, e.g. {@code http://127.0.0.1:40123} ({@code https} with {@link Builder#tls}): the value for
     * {@code iot.stellmap.server-url}.
     */
    public String url() {
        return (isSecure() ? "https://" : "http://") + address();
    }

    /** Whether the node serves https ({@link Builder#tls}). */
    public boolean isSecure() {
        return this.tlsKey != null;
    }

    /** {@code host:port} without scheme, the form {@code leaderAddr} takes. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    public int port() {
        return requireServer().port();
    }

    public int nodeId() {
        return this.nodeId;
    }

    // ---------------------------------------------------------------- leader mode

    /** Answers writes itself (the default). */
    public void leader() {
        this.mode = Mode.LEADER;
    }

    /** Answers every write with {@code 503 not_leader} naming {@code leader} (its address, no scheme). */
    public void followerOf(StellMapEmulator leader) {
        this.leaderId = leader.nodeId;
        this.leaderAddr = leader.address();
        this.mode = Mode.FOLLOWER;
    }

    /** Answers every write with {@code 503 not_leader} without {@code leaderId}/{@code leaderAddr}. */
    public void noLeader() {
        this.mode = Mode.NO_LEADER;
    }

    // ---------------------------------------------------------------- fault knobs

    /** Delays every response (also the start of a watch stream). */
    public void delayResponses(Duration delay) {
        this.responseDelay = delay;
    }

    /** The next {@code count} valid writes fail with {@code 500 propose_failed}. */
    public void failNextWrites(int count) {
        this.failingWrites.set(count);
    }

    /** Writes every SSE frame in small pieces, each flushed on its own, so frames cross TCP packets. */
    public void splitFrames(boolean split) {
        this.splitFrames = split;
    }

    /** Cuts every open watch stream without a clean end (as when the node dies or the network drops). */
    public void closeWatchStreams() {
        for (Watcher watcher : this.watchers) {
            watcher.abort();
        }
    }

    /** Ends every watch stream cleanly, as the server does for a slow consumer whose buffer filled up. */
    public void dropWatchers() {
        for (Watcher watcher : this.watchers) {
            watcher.end();
        }
    }

    /** A node restart: open streams end, the in-memory event history is gone; data and revision stay. */
    public void restart() {
        synchronized (this.lock) {
            this.history.clear();
        }
        closeWatchStreams();
    }

    /** Writes raw text into every open watch stream (unknown events, comments, malformed frames). */
    public void broadcastRaw(String text) {
        for (Watcher watcher : this.watchers) {
            watcher.emit(text);
        }
    }

    /** Called (off the event loop) with each request before it is answered. */
    public void onRequest(@Nullable Consumer<RecordedRequest> listener) {
        this.requestListener = listener;
    }

    // ---------------------------------------------------------------- state

    /** Every request received so far, oldest first. */
    public List<RecordedRequest> requests() {
        return List.copyOf(this.requests);
    }

    /** Requests to one path, e.g. {@code /api/v1/registry/heartbeat}. */
    public List<RecordedRequest> requests(String path) {
        return this.requests.stream().filter((r) -> r.path().equals(path)).toList();
    }

    public void clearRequests() {
        this.requests.clear();
    }

    /** Stored records, live or expired-but-not-purged, in storage key order. */
    public List<Instance> instances() {
        synchronized (this.lock) {
            return List.copyOf(this.store.values());
        }
    }

    public Optional<Instance> instance(String namespace, String service, String instanceId) {
        synchronized (this.lock) {
            return Optional.ofNullable(this.store.get(key(namespace, service, instanceId)));
        }
    }

    public long revision() {
        synchronized (this.lock) {
            return this.revision;
        }
    }

    /** Number of open watch streams. */
    public int watcherCount() {
        return this.watchers.size();
    }

    /**
     * Forgets an instance as a purge would (a {@code delete} event is emitted): its next heartbeat gets
     * {@code 404 not_found}.
     */
    public boolean forget(String namespace, String service, String instanceId) {
        synchronized (this.lock) {
            Instance removed = this.store.remove(key(namespace, service, instanceId));
            if (removed != null) {
                publish(new Event(++this.revision, "delete", namespace, service, instanceId, null));
            }
            return removed != null;
        }
    }

    /** Runs one purge round now: every record past {@code lastHeartbeatUnix + leaseTtlSeconds} is deleted. */
    public int purgeExpired() {
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

    @Override
    public void close() {
        if (this.purgeLoop != null) {
            this.purgeLoop.dispose();
        }
        for (Watcher watcher : this.watchers) {
            watcher.end();
        }
        if (this.server != null) {
            this.server.close(Duration.ofSeconds(2));
        }
    }

    // ---------------------------------------------------------------- HTTP

    private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        QueryStringDecoder decoder = new QueryStringDecoder(request.uri());
        String path = decoder.path();
        Map<String, String> headers = new LinkedHashMap<>();
        request.requestHeaders().forEach((e) -> headers.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
        return request.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("").flatMapMany((body) -> {
            RecordedRequest recorded = new RecordedRequest(request.method().name(), path,
                    Collections.unmodifiableMap(new LinkedHashMap<>(decoder.parameters())), headers, body,
                    this.clock.instant());
            this.requests.add(recorded);
            Mono<Void> before = Mono.empty();
            Consumer<RecordedRequest> listener = this.requestListener;
            if (listener != null) {
                before = Mono.<Void>fromRunnable(() -> listener.accept(recorded))
                    .subscribeOn(Schedulers.boundedElastic());
            }
            if (!this.responseDelay.isZero()) {
                before = before.then(Mono.delay(this.responseDelay).then());
            }
            return before.thenMany(Flux.defer(() -> route(request.method(), path, recorded, response)));
        });
    }

    private Publisher<Void> route(HttpMethod method, String path, RecordedRequest request,
            HttpServerResponse response) {
        switch (path) {
            case BASE + "register", BASE + "deregister", BASE + "heartbeat" -> {
                if (method != HttpMethod.POST) {
                    return methodNotAllowed(response, "POST");
                }
                return reply(response, write(path.substring(BASE.length()), request.body()));
            }
            case BASE + "instances" -> {
                if (method != HttpMethod.GET) {
                    return methodNotAllowed(response, "GET");
                }
                return reply(response, query(request.query()));
            }
            case BASE + "watch" -> {
                if (method != HttpMethod.GET) {
                    return methodNotAllowed(response, "GET");
                }
                return watch(request.query(), response);
            }
            case "/healthz" -> {
                ObjectNode data = JSON.createObjectNode().put("status", "ok").put("localNodeId", this.nodeId);
                if (this.mode == Mode.LEADER) {
                    data.put("leaderId", this.nodeId).put("leaderAddr", address());
                }
                else if (this.mode == Mode.FOLLOWER) {
                    data.put("leaderId", this.leaderId).put("leaderAddr", this.leaderAddr);
                }
                return reply(response, Reply.ok(null, data));
            }
            case "/readyz" -> {
                if (this.mode == Mode.NO_LEADER) {
                    return reply(response, Reply.error(503, "not_ready", "raft node is not ready"));
                }
                return reply(response, Reply.ok(null, JSON.createObjectNode().put("status", "ready")));
            }
            default -> {
                return response.status(404).header("Content-Type", "text/plain; charset=utf-8")
                    .sendString(Mono.just("404 page not found\n"));
            }
        }
    }

    private Publisher<Void> methodNotAllowed(HttpServerResponse response, String allow) {
        return response.status(405).header("Allow", allow).header("Content-Type", "text/plain; charset=utf-8")
            .sendString(Mono.just("method not allowed\n"));
    }

    private Publisher<Void> reply(HttpServerResponse response, Reply reply) {
        return response.status(reply.status).header("Content-Type", "application/json")
            .sendString(Mono.just(JSON.writeValueAsString(reply.body) + "\n"));
    }

    private Reply write(String operation, String body) {
        try {
            ObjectNode json = decodeStrict(body, operation.equals("register") ? REGISTER_KEYS
                    : operation.equals("heartbeat") ? HEARTBEAT_KEYS : IDENTITY_KEYS);
            return switch (operation) {
                case "register" -> register(json);
                case "heartbeat" -> heartbeat(json);
                default -> deregister(json);
            };
        }
        catch (EmulatorFilter.BadRequest ex) {
            return Reply.error(400, "bad_request", ex.getMessage());
        }
    }

    private Reply register(ObjectNode json) {
        String[] identity = identity(json);
        long ttl = ttl(json);
        Map<String, String> labels = stringMap(json, "labels");
        Map<String, String> metadata = stringMap(json, "metadata");
        List<Endpoint> endpoints = endpoints(json);
        requireIdentity(identity);
        Reply notLeader = leaderCheck();
        if (notLeader != null) {
            return notLeader;
        }
        synchronized (this.lock) {
            long now = nowSeconds();
            Instance instance = new Instance(identity[0], identity[1], identity[2], text(json, "zone"), labels,
                    metadata, endpoints, ttl == 0 ? DEFAULT_TTL : ttl, now, now);
            this.store.put(instance.key(), instance);
            publish(new Event(++this.revision, "upsert", instance.namespace(), instance.service(),
                    instance.instanceId(), instance));
        }
        return Reply.ok("instance registered", null);
    }

    private Reply heartbeat(ObjectNode json) {
        String[] identity = identity(json);
        long ttl = ttl(json);
        requireIdentity(identity);
        Reply notLeader = leaderCheck();
        if (notLeader != null) {
            return notLeader;
        }
        synchronized (this.lock) {
            String key = key(identity[0], identity[1], identity[2]);
            Instance current = this.store.get(key);
            if (current == null) {
                return Reply.error(404, "not_found", "instance not found");
            }
            // Liveness is not checked: an expired record that was not purged yet comes back to life.
            Instance renewed = current.renewed(nowSeconds(), ttl > 0 ? ttl : current.leaseTtlSeconds());
            this.store.put(key, renewed);
            publish(new Event(++this.revision, "upsert", renewed.namespace(), renewed.service(),
                    renewed.instanceId(), renewed));
        }
        return Reply.ok("heartbeat accepted", null);
    }

    private Reply deregister(ObjectNode json) {
        String[] identity = identity(json);
        requireIdentity(identity);
        Reply notLeader = leaderCheck();
        if (notLeader != null) {
            return notLeader;
        }
        synchronized (this.lock) {
            // Proposed even when absent: idempotent, and the delete event is still emitted.
            this.store.remove(key(identity[0], identity[1], identity[2]));
            publish(new Event(++this.revision, "delete", identity[0], identity[1], identity[2], null));
        }
        return Reply.ok("instance deregistered", null);
    }

    private @Nullable Reply leaderCheck() {
        if (this.mode == Mode.FOLLOWER) {
            ObjectNode body = JSON.createObjectNode().put("code", "not_leader")
                .put("message", "current node is not leader, leaderId=" + this.leaderId + " leaderAddr="
                        + this.leaderAddr)
                .put("leaderId", this.leaderId)
                .put("leaderAddr", this.leaderAddr);
            return new Reply(503, body);
        }
        if (this.mode == Mode.NO_LEADER) {
            return Reply.error(503, "not_leader", "current node is not leader, leaderId=0 leaderAddr=");
        }
        if (this.failingWrites.getAndUpdate((n) -> Math.max(0, n - 1)) > 0) {
            return Reply.error(500, "propose_failed", "propose registry command: context deadline exceeded");
        }
        return null;
    }

    private Reply query(Map<String, List<String>> query) {
        try {
            EmulatorFilter filter = EmulatorFilter.parse(query);
            ArrayNode data = JSON.createArrayNode();
            for (Instance instance : matching(filter)) {
                data.add(instance.toJson());
            }
            return Reply.ok(null, data);
        }
        catch (EmulatorFilter.BadRequest ex) {
            return Reply.error(400, "bad_request", ex.getMessage());
        }
    }

    private List<Instance> matching(EmulatorFilter filter) {
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

    private Publisher<Void> watch(Map<String, List<String>> query, HttpServerResponse response) {
        EmulatorFilter filter;
        long since;
        boolean includeSnapshot;
        try {
            filter = EmulatorFilter.parse(query);
            String sinceText = EmulatorFilter.first(query, "sinceRevision");
            try {
                since = (sinceText != null) ? Long.parseUnsignedLong(sinceText) : 0;
            }
            catch (NumberFormatException ex) {
                throw new EmulatorFilter.BadRequest("invalid sinceRevision \"" + sinceText + "\"");
            }
            String snapshotText = EmulatorFilter.first(query, "includeSnapshot");
            includeSnapshot = (snapshotText == null) || parseBool(snapshotText);
        }
        catch (EmulatorFilter.BadRequest ex) {
            return reply(response, Reply.error(400, "bad_request", ex.getMessage()));
        }
        Watcher watcher = new Watcher(filter, Sinks.many().unicast().onBackpressureBuffer(
                Queues.<String>get(this.watcherBuffer).get()));
        List<String> initial = new ArrayList<>();
        synchronized (this.lock) {
            boolean covered = since > 0 && !this.history.isEmpty()
                    && (this.history.peekFirst().revision <= since + 1 || since >= this.history.peekLast().revision);
            if (since > 0 && covered) {
                for (Event event : this.history) {
                    if (event.revision > since) {
                        String frame = watcher.frameFor(event, nowSeconds());
                        if (frame != null) {
                            initial.add(frame);
                        }
                    }
                }
                watcher.lastSent = Math.max(since, this.history.peekLast().revision);
            }
            else if (includeSnapshot) {
                initial.add(snapshotFrame(filter));
                watcher.lastSent = this.revision;
            }
            else if (since > 0) {
                return reply(response, Reply.error(410, "revision_expired", "watch revision is no longer retained"));
            }
            else {
                watcher.lastSent = this.revision;
            }
            this.watchers.add(watcher);
        }
        if (initial.isEmpty() && this.initialPing) {
            initial.add(": ping\n\n");
        }
        Flux<String> keepalive = Flux.interval(this.keepaliveInterval).map((tick) -> ": " + this.keepaliveComment + "\n\n");
        Flux<String> frames = Flux.concat(Flux.fromIterable(initial), Flux.merge(watcher.sink.asFlux(), keepalive)
            .takeUntilOther(watcher.ended.asMono()))
            .doFinally((signal) -> this.watchers.remove(watcher));
        response.withConnection((connection) -> watcher.connection = connection);
        Flux<String> chunks = frames.concatMap((frame) -> this.splitFrames ? split(frame) : Flux.just(frame));
        return response.status(HttpResponseStatus.OK)
            .header("Content-Type", "text/event-stream")
            .header("Cache-Control", "no-cache")
            .header("Connection", "keep-alive")
            .header("X-Accel-Buffering", "no")
            .send(chunks.map((s) -> response.alloc().buffer().writeBytes(s.getBytes(StandardCharsets.UTF_8))),
                    (buffer) -> true);
    }

    private static Flux<String> split(String frame) {
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < frame.length(); i += 7) {
            pieces.add(frame.substring(i, Math.min(frame.length(), i + 7)));
        }
        return Flux.fromIterable(pieces).delayElements(Duration.ofMillis(1));
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

    // ---------------------------------------------------------------- decoding

    private static ObjectNode decodeStrict(String body, Set<String> allowed) {
        if (body.isBlank()) {
            throw new EmulatorFilter.BadRequest("EOF");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        }
        catch (JacksonException ex) {
            throw new EmulatorFilter.BadRequest("invalid character in JSON body");
        }
        if (!(node instanceof ObjectNode object)) {
            throw new EmulatorFilter.BadRequest("json: cannot unmarshal " + node.getNodeType().name().toLowerCase(Locale.ROOT)
                    + " into Go value of type struct");
        }
        return canonicalKeys(object, allowed);
    }

    /** Go's decoder matches keys case-insensitively and, with DisallowUnknownFields, rejects the rest. */
    private static ObjectNode canonicalKeys(ObjectNode object, Set<String> allowed) {
        ObjectNode result = JSON.createObjectNode();
        for (Map.Entry<String, JsonNode> entry : object.properties()) {
            String canonical = allowed.stream().filter((k) -> k.equalsIgnoreCase(entry.getKey())).findFirst()
                .orElseThrow(() -> new EmulatorFilter.BadRequest("json: unknown field \"" + entry.getKey() + "\""));
            result.set(canonical, entry.getValue());
        }
        return result;
    }

    private static String[] identity(ObjectNode json) {
        String service = text(json, "service");
        String[] parts = { text(json, "organization"), text(json, "businessDomain"), text(json, "capabilityDomain"),
                text(json, "application"), text(json, "role") };
        long given = java.util.Arrays.stream(parts).filter((p) -> !p.isEmpty()).count();
        if (given > 0) {
            if (given < 5) {
                throw new EmulatorFilter.BadRequest(
                        "organization, businessDomain, capabilityDomain, application and role are required");
            }
            String composed = String.join(".", parts);
            if (!service.isEmpty() && !service.equals(composed)) {
                throw new EmulatorFilter.BadRequest(
                        "service \"" + service + "\" does not match structured service identity \"" + composed + "\"");
            }
            service = composed;
        }
        return new String[] { text(json, "namespace"), service, text(json, "instanceId") };
    }

    private static void requireIdentity(String[] identity) {
        if (identity[0].isEmpty() || identity[1].isEmpty() || identity[2].isEmpty()) {
            throw new EmulatorFilter.BadRequest("namespace, service and instanceId are required");
        }
    }

    private static long ttl(ObjectNode json) {
        JsonNode node = json.get("leaseTtlSeconds");
        if (node == null || node.isNull()) {
            return 0;
        }
        if (!node.isIntegralNumber()) {
            throw new EmulatorFilter.BadRequest("json: cannot unmarshal " + node.getNodeType().name().toLowerCase(Locale.ROOT)
                    + " into Go struct field .leaseTtlSeconds of type int64");
        }
        long ttl = node.asLong();
        if (ttl < 0) {
            throw new EmulatorFilter.BadRequest("leaseTtlSeconds must be greater than or equal to 0");
        }
        return ttl;
    }

    private static List<Endpoint> endpoints(ObjectNode json) {
        JsonNode node = json.get("endpoints");
        if (node != null && !node.isNull() && !node.isArray()) {
            throw new EmulatorFilter.BadRequest("json: cannot unmarshal into Go struct field .endpoints of type []dto.Endpoint");
        }
        if (node == null || node.isNull() || node.isEmpty()) {
            throw new EmulatorFilter.BadRequest("at least one endpoint is required");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (JsonNode element : node) {
            if (!(element instanceof ObjectNode raw)) {
                throw new EmulatorFilter.BadRequest("json: cannot unmarshal into Go struct field .endpoints");
            }
            ObjectNode endpoint = canonicalKeys(raw, ENDPOINT_KEYS);
            String protocol = text(endpoint, "protocol");
            if (protocol.isEmpty()) {
                throw new EmulatorFilter.BadRequest("endpoint protocol is required");
            }
            String name = text(endpoint, "name").isEmpty() ? protocol : text(endpoint, "name");
            String host = text(endpoint, "host");
            if (host.isEmpty()) {
                throw new EmulatorFilter.BadRequest("endpoint host is required");
            }
            long port = integer(endpoint, "port");
            if (port < 1 || port > 65535) {
                throw new EmulatorFilter.BadRequest("endpoint port must be between 1 and 65535");
            }
            long weight = integer(endpoint, "weight");
            if (weight < 0) {
                throw new EmulatorFilter.BadRequest("endpoint weight must be greater than or equal to 0");
            }
            if (!names.add(name)) {
                throw new EmulatorFilter.BadRequest("duplicate endpoint name \"" + name + "\"");
            }
            endpoints.add(new Endpoint(name, protocol, host, (int) port, text(endpoint, "path"),
                    weight == 0 ? 100 : (int) weight));
        }
        return endpoints;
    }

    private static long integer(ObjectNode json, String key) {
        JsonNode node = json.get(key);
        if (node == null || node.isNull()) {
            return 0;
        }
        if (!node.isIntegralNumber()) {
            throw new EmulatorFilter.BadRequest("json: cannot unmarshal " + node.getNodeType().name().toLowerCase(Locale.ROOT)
                    + " into Go struct field Endpoint." + key + " of type int32");
        }
        return node.asLong();
    }

    private static Map<String, String> stringMap(ObjectNode json, String key) {
        JsonNode node = json.get(key);
        Map<String, String> result = new TreeMap<>();
        if (node == null || node.isNull()) {
            return result;
        }
        if (!node.isObject()) {
            throw new EmulatorFilter.BadRequest("json: cannot unmarshal into Go struct field ." + key
                    + " of type map[string]string");
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isString()) {
                throw new EmulatorFilter.BadRequest("json: cannot unmarshal into Go struct field ." + key
                        + " of type string");
            }
            String name = entry.getKey().trim();
            if (!name.isEmpty()) {
                result.put(name, entry.getValue().stringValue().trim());
            }
        }
        return result;
    }

    private static String text(JsonNode json, String key) {
        JsonNode node = json.get(key);
        if (node == null || node.isNull()) {
            return "";
        }
        if (!node.isString()) {
            throw new EmulatorFilter.BadRequest("json: cannot unmarshal " + node.getNodeType().name().toLowerCase(Locale.ROOT)
                    + " into Go struct field ." + key + " of type string");
        }
        return node.stringValue().trim();
    }

    private static boolean parseBool(String text) {
        return switch (text) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> throw new EmulatorFilter.BadRequest("invalid includeSnapshot \"" + text + "\"");
        };
    }

    private long nowSeconds() {
        return this.clock.millis() / 1000;
    }

    private DisposableServer requireServer() {
        if (this.server == null) {
            throw new IllegalStateException("The emulator is not started");
        }
        return this.server.server();
    }

    static String key(String namespace, String service, String instanceId) {
        return "/registry/" + namespace + "/" + service + "/" + instanceId;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> result = new java.util.HashSet<>(a);
        result.addAll(b);
        return Set.copyOf(result);
    }

    // ---------------------------------------------------------------- types

    private enum Mode {

        LEADER, FOLLOWER, NO_LEADER

    }

    /** One endpoint of an instance, after the server's defaults (name = protocol, weight 100). */
    public record Endpoint(String name, String protocol, String host, int port, String path, int weight) {

        ObjectNode toJson() {
            ObjectNode node = JSON.createObjectNode().put("name", this.name).put("protocol", this.protocol)
                .put("host", this.host).put("port", this.port);
            if (!this.path.isEmpty()) {
                node.put("path", this.path);
            }
            return node.put("weight", this.weight);
        }
    }

    /** A stored instance record, as the server keeps it. Times are Unix seconds. */
    public record Instance(String namespace, String service, String instanceId, String zone,
            Map<String, String> labels, Map<String, String> metadata, List<Endpoint> endpoints, long leaseTtlSeconds,
            long registeredAtUnix, long lastHeartbeatUnix) {

        String key() {
            return StellMapEmulator.key(this.namespace, this.service, this.instanceId);
        }

        boolean aliveAt(long nowSeconds) {
            long last = (this.lastHeartbeatUnix > 0) ? this.lastHeartbeatUnix : this.registeredAtUnix;
            return nowSeconds <= last + this.leaseTtlSeconds;
        }

        Instance renewed(long now, long ttl) {
            return new Instance(this.namespace, this.service, this.instanceId, this.zone, this.labels, this.metadata,
                    this.endpoints, ttl, this.registeredAtUnix, now);
        }

        Instance withEndpoints(List<Endpoint> endpoints) {
            return new Instance(this.namespace, this.service, this.instanceId, this.zone, this.labels, this.metadata,
                    endpoints, this.leaseTtlSeconds, this.registeredAtUnix, this.lastHeartbeatUnix);
        }

        ObjectNode toJson() {
            ObjectNode node = JSON.createObjectNode().put("namespace", this.namespace).put("service", this.service);
            putStructured(node, this.service);
            node.put("instanceId", this.instanceId);
            if (!this.zone.isEmpty()) {
                node.put("zone", this.zone);
            }
            if (!this.labels.isEmpty()) {
                ObjectNode labels = node.putObject("labels");
                this.labels.forEach(labels::put);
            }
            if (!this.metadata.isEmpty()) {
                ObjectNode metadata = node.putObject("metadata");
                this.metadata.forEach(metadata::put);
            }
            if (!this.endpoints.isEmpty()) {
                ArrayNode endpoints = node.putArray("endpoints");
                this.endpoints.forEach((e) -> endpoints.add(e.toJson()));
            }
            return node.put("leaseTtlSeconds", this.leaseTtlSeconds).put("registeredAtUnix", this.registeredAtUnix)
                .put("lastHeartbeatUnix", this.lastHeartbeatUnix);
        }
    }

    static void putStructured(ObjectNode node, String service) {
        String[] parts = service.split("\\.", -1);
        if (parts.length == 5 && java.util.Arrays.stream(parts).noneMatch(String::isBlank)) {
            node.put("organization", parts[0]).put("businessDomain", parts[1]).put("capabilityDomain", parts[2])
                .put("application", parts[3]).put("role", parts[4]);
        }
    }

    private record Event(long revision, String type, String namespace, String service, String instanceId,
            @Nullable Instance instance) {
    }

    private record Reply(int status, ObjectNode body) {

        static Reply ok(@Nullable String message, @Nullable JsonNode data) {
            ObjectNode body = JSON.createObjectNode().put("code", "ok");
            if (message != null) {
                body.put("message", message);
            }
            if (data != null) {
                body.set("data", data);
            }
            return new Reply(200, body);
        }

        static Reply error(int status, String code, String message) {
            return new Reply(status, JSON.createObjectNode().put("code", code).put("message", message));
        }
    }

    private final class Watcher {

        final EmulatorFilter filter;

        final Sinks.Many<String> sink;

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

    /** Settings of an emulator node; all have the real server's defaults. */
    public static final class Builder {

        private Clock clock = Clock.systemUTC();

        private Duration cleanupInterval = Duration.ofSeconds(1);

        private Duration keepaliveInterval = Duration.ofSeconds(15);

        private String keepaliveComment = "ping";

        private int historySize = 2048;

        private int watcherBuffer = 128;

        private int nodeId = 1;

        private long initialRevision = 100;

        private boolean initialPing = true;

        private @Nullable PrivateKey tlsKey;

        private X509Certificate[] tlsChain = new X509Certificate[0];

        private Builder() {
        }

        /**
         * Whether a stream with nothing to send starts with {@code : ping} (stellmap-service). The older
         * stellmap server writes nothing, not even the response headers, until the first keepalive.
         */
        public Builder initialPing(boolean initialPing) {
            this.initialPing = initialPing;
            return this;
        }

        /** Clock for lease times (Unix seconds). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Purge loop period; {@link Duration#ZERO} disables it (call {@link #purgeExpired()} yourself). */
        public Builder cleanupInterval(Duration interval) {
            this.cleanupInterval = interval;
            return this;
        }

        /** Interval of the {@code : ping} keepalive comment. */
        public Builder keepaliveInterval(Duration interval) {
            this.keepaliveInterval = interval;
            return this;
        }

        /** Keepalive comment text: {@code ping} (stellmap-service) or {@code keepalive} (stellmap). */
        public Builder keepaliveComment(String comment) {
            this.keepaliveComment = comment;
            return this;
        }

        /** Events kept for resume by {@code sinceRevision}. */
        public Builder historySize(int size) {
            this.historySize = size;
            return this;
        }

        /** Events buffered per watcher before it is dropped as a slow consumer. */
        public Builder watcherBuffer(int size) {
            this.watcherBuffer = size;
            return this;
        }

        /** Raft node id, reported as {@code leaderId} by followers of this node. */
        public Builder nodeId(int id) {
            this.nodeId = id;
            return this;
        }

        /** Revision (raft index) the node starts at. */
        public Builder initialRevision(long revision) {
            this.initialRevision = revision;
            return this;
        }

        /**
         * Serves https with this key and certificate chain (server certificate first). The certificate should name
         * 127.0.0.1 (IP SAN), as clients verify the host name.
         */
        public Builder tls(PrivateKey key, X509Certificate... chain) {
            if (chain.length == 0) {
                throw new IllegalArgumentException("A TLS server needs its certificate (chain)");
            }
            this.tlsKey = key;
            this.tlsChain = chain.clone();
            return this;
        }

        public StellMapEmulator start() {
            return new StellMapEmulator(this).bind();
        }
    }
}
