package dev.iotspring.test.stellmap;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.test.netty.IsolatedLoopHttpServer;
import dev.iotspring.test.stellmap.RegistryState.Mode;

import static dev.iotspring.test.stellmap.RegistryState.JSON;

/**
 * An in-process StellMap node ({@code stellmapd}) speaking the public registry API of
 * {@code specs/stellmap.md}: strict JSON decoding that rejects unknown keys, a global revision counter, leases
 * with a purge loop, an SSE watch with keepalive comments, bounded history, resume by {@code sinceRevision} and
 * {@code 410 revision_expired}, a follower mode answering {@code not_leader}, and fault switches. Binds to
 * {@code 127.0.0.1} on a random port.
 *
 * <p>This class is the node's public face; what it holds is {@link RegistryState}, how it answers HTTP is
 * {@link RegistryHandlers} (decoding in {@link RequestDecoder}), and the faults are {@link FaultSwitches}.
 *
 * <pre>
 * try (StellMapEmulator stellmap = StellMapEmulator.builder().start()) {
 *     String url = stellmap.url();                       // iot.stellmap.server-url
 *     stellmap.requests("/api/v1/registry/register");    // what the client sent
 * }
 * </pre>
 */
public final class StellMapEmulator implements AutoCloseable {

    private final Duration cleanupInterval;

    private final int nodeId;

    private final int port;

    private final @Nullable PrivateKey tlsKey;

    private final X509Certificate[] tlsChain;

    private final RegistryState state;

    private final FaultSwitches faults = new FaultSwitches();

    private final RegistryHandlers handlers;

    private @Nullable IsolatedLoopHttpServer server;

    private @Nullable Disposable purgeLoop;

    /** Every accepted connection, so a stopping node can cut them as a dying process would. */
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

    private StellMapEmulator(Builder builder) {
        this.cleanupInterval = builder.cleanupInterval;
        this.nodeId = builder.nodeId;
        this.port = builder.port;
        this.tlsKey = builder.tlsKey;
        this.tlsChain = builder.tlsChain;
        this.state = new RegistryState(builder.clock, builder.historySize, builder.watcherBuffer,
                builder.initialRevision);
        this.handlers = new RegistryHandlers(this.state, this.faults, this.nodeId, this::address,
                builder.keepaliveInterval, builder.keepaliveComment, builder.initialPing);
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
                    .port(this.port)
                    .doOnConnection((connection) -> {
                        this.connections.add(connection);
                        connection.onDispose(() -> this.connections.remove(connection));
                    })
                    .handle(this.handlers::handle));
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
        this.state.mode = Mode.LEADER;
    }

    /** Answers every write with {@code 503 not_leader} naming {@code leader} (its address, no scheme). */
    public void followerOf(StellMapEmulator leader) {
        this.state.leaderId = leader.nodeId;
        this.state.leaderAddr = leader.address();
        this.state.mode = Mode.FOLLOWER;
    }

    /** Answers every write with {@code 503 not_leader} without {@code leaderId}/{@code leaderAddr}. */
    public void noLeader() {
        this.state.mode = Mode.NO_LEADER;
    }

    // ---------------------------------------------------------------- fault switches

    /** Delays every response (also the start of a watch stream). */
    public void delayResponses(Duration delay) {
        this.faults.responseDelay = delay;
    }

    /** The next {@code count} valid writes fail with {@code 500 propose_failed}. */
    public void failNextWrites(int count) {
        this.faults.failingWrites.set(count);
    }

    /** Writes every SSE frame in small pieces, each flushed on its own, so frames cross TCP packets. */
    public void splitFrames(boolean split) {
        this.faults.splitFrames = split;
    }

    /**
     * The next {@code count} requests to {@code path} get this answer instead of the node's own, as from a proxy
     * or gateway in front of it (an HTML error page, a plain-text {@code 502}) or a node that rejects the request
     * ({@code 400 bad_request} envelope). The request is still recorded.
     */
    public void answerNext(String path, int count, int status, String contentType, String body) {
        this.faults.answerNext(path, count, new FaultSwitches.RawAnswer(status, contentType, body));
    }

    /**
     * Behaves like an older server that does not know these request keys: a body holding one is answered
     * {@code 400 bad_request} with {@code json: unknown field "<key>"}. No argument switches it off.
     */
    public void unknownFields(String... keys) {
        this.faults.unknownFields(keys);
    }

    /**
     * New watch requests are recorded but get no answer (not even headers) until {@link #releaseWatches()}, so a
     * test can change the registry while a client is reconnecting.
     */
    public void holdWatches() {
        this.faults.holdWatches();
    }

    /** Lets held and later watch requests through. */
    public void releaseWatches() {
        this.faults.releaseWatches();
    }

    /** Cuts every open watch stream without a clean end (as when the node dies or the network drops). */
    public void closeWatchStreams() {
        this.state.watchers().forEach(RegistryState.Watcher::abort);
    }

    /** Ends every watch stream cleanly, as the server does for a slow consumer whose buffer filled up. */
    public void dropWatchers() {
        this.state.watchers().forEach(RegistryState.Watcher::end);
    }

    /** A node restart: open streams end, the in-memory event history is gone; data and revision stay. */
    public void restart() {
        this.state.clearHistory();
        closeWatchStreams();
    }

    /** Writes raw text into every open watch stream (unknown events, comments, malformed frames). */
    public void broadcastRaw(String text) {
        this.state.watchers().forEach((watcher) -> watcher.emit(text));
    }

    /** Called (off the event loop) with each request before it is answered. */
    public void onRequest(@Nullable Consumer<RecordedRequest> listener) {
        this.handlers.requestListener = listener;
    }

    // ---------------------------------------------------------------- state

    /** Every request received so far, oldest first. */
    public List<RecordedRequest> requests() {
        return List.copyOf(this.handlers.requests);
    }

    /** Requests to one path, e.g. {@code /api/v1/registry/heartbeat}. */
    public List<RecordedRequest> requests(String path) {
        return this.handlers.requests.stream().filter((r) -> r.path().equals(path)).toList();
    }

    public void clearRequests() {
        this.handlers.requests.clear();
    }

    /** Stored records, live or expired-but-not-purged, in storage key order. */
    public List<Instance> instances() {
        return this.state.instances();
    }

    public Optional<Instance> instance(String namespace, String service, String instanceId) {
        return this.state.instance(namespace, service, instanceId);
    }

    public long revision() {
        return this.state.revision();
    }

    /** Number of open watch streams. */
    public int watcherCount() {
        return this.state.watchers().size();
    }

    /**
     * Forgets an instance as a purge would (a {@code delete} event is emitted): its next heartbeat gets
     * {@code 404 not_found}.
     */
    public boolean forget(String namespace, String service, String instanceId) {
        return this.state.forget(namespace, service, instanceId);
    }

    /** Runs one purge round now: every record past {@code lastHeartbeatUnix + leaseTtlSeconds} is deleted. */
    public int purgeExpired() {
        return this.state.purgeExpired();
    }

    @Override
    public void close() {
        if (this.purgeLoop != null) {
            this.purgeLoop.dispose();
        }
        if (this.server != null) {
            // Stop accepting before the streams end, so a client reconnecting at once finds no node.
            this.server.server().dispose();
        }
        this.state.stop();
        // Keep-alive connections would otherwise still take requests (a reconnecting watch) while the server waits
        // for them to go idle.
        this.connections.forEach(Connection::dispose);
        if (this.server != null) {
            this.server.close(Duration.ofSeconds(2));
        }
    }

    private DisposableServer requireServer() {
        if (this.server == null) {
            throw new IllegalStateException("The emulator is not started");
        }
        return this.server.server();
    }

    // ---------------------------------------------------------------- types

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
            return RegistryState.key(this.namespace, this.service, this.instanceId);
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
            RegistryState.putStructured(node, this.service);
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

        private int port;

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

        /**
         * Port to listen on; 0 (the default) picks a free one. A test that stops a node and starts another on the
         * same port sees what a client sees when a server goes away and comes back.
         */
        public Builder port(int port) {
            this.port = port;
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
