package dev.iotspring.test.streamsea;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.test.netty.IsolatedLoopHttpServer;

/**
 * An in-process stream-sea 4.x server for tests: the HTTP API ({@code /api/v1}, Basic auth, plain or gzipped
 * bodies, gzipped answers on request), schemas with integer versions, publish validation, and the WebSocket
 * protocol (in-band {@code authenticate} with basic credentials or an RS512 JWT, {@code subscribe} with
 * consumer groups, pings). Bound to 127.0.0.1 on a random port.
 *
 * <p>Groups: every published message goes to exactly one member (round-robin) of every group subscribed to
 * the stream. The group is the subscribe frame's {@code groupId}, or the client's default group when absent
 * ({@link DefaultGroupScope}); a subscriber whose JWT says {@code mustFanout} always gets a private group.
 *
 * <p>Fault hooks drop sockets, refuse authentications, delay answers and inject malformed or large frames;
 * everything received is recorded for assertions.
 *
 * <pre>{@code
 * try (StreamSeaEmulator emulator = new StreamSeaEmulator().addClient("jail", "svc", "s3cr3t").start()) {
 *     // point iot.stream-sea.remote-host/remote-port at emulator.host()/emulator.port(), secure=false
 * }
 * }</pre>
 */
public final class StreamSeaEmulator implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(StreamSeaEmulator.class);

    static final String INVALID_CREDENTIALS = "The credentials are present and well formed but invalid.";

    private static final Pattern UUID = Pattern.compile(
            "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");

    /** Which default group a subscriber without {@code groupId} joins (UNCONFIRMED on the real server). */
    public enum DefaultGroupScope {
        /** One default group per client id: instances of one client compete. */
        PER_CLIENT,
        /** One default group per jail: all clients of a jail compete. */
        PER_JAIL
    }

    private final JsonMapper json = JsonMapper.builder().build();

    private final Map<String, Client> clients = new ConcurrentHashMap<>();

    /** jail -> stream -> versions in ascending order. */
    private final Map<String, Map<String, List<JsonNode>>> schemas = new ConcurrentHashMap<>();

    /** "jail/stream" -> group key -> group. Guarded by {@code this}. */
    private final Map<String, Map<String, Group>> groups = new LinkedHashMap<>();

    private final List<WsConnection> connections = new CopyOnWriteArrayList<>();

    private final List<RecordedFrame> frames = new CopyOnWriteArrayList<>();

    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();

    private final List<String> violations = new CopyOnWriteArrayList<>();

    private final AtomicInteger connectionIds = new AtomicInteger();

    private final AtomicInteger refuseAuthentications = new AtomicInteger();

    private final Set<String> forbiddenStreams = ConcurrentHashMap.newKeySet();

    private volatile Duration pingInterval = Duration.ofSeconds(30);

    private volatile Duration ackDelay = Duration.ZERO;

    private volatile Duration authAckDelay = Duration.ZERO;

    private volatile Duration authFailureCloseDelay = Duration.ofMillis(200);

    private volatile DefaultGroupScope defaultGroupScope = DefaultGroupScope.PER_CLIENT;

    private volatile String answerAction = "subscription";

    private volatile boolean splitArrayPayloads = true;

    private volatile boolean closeOnIdViolation;

    private volatile boolean requireAuthenticateFirst = true;

    private volatile @Nullable IsolatedLoopHttpServer server;

    /** The port of the first start, bound again by later starts so clients find the server where it was. */
    private volatile int boundPort;

    private final AtomicInteger failPublishes = new AtomicInteger();

    private volatile int failPublishStatus = 503;

    private volatile Duration publishDelay = Duration.ZERO;

    /** "stream" -> payloads accepted (answered 200), in order. */
    private final Map<String, List<JsonNode>> accepted = new ConcurrentHashMap<>();

    private volatile @Nullable PrivateKey tlsKey;

    private volatile X509Certificate[] tlsChain = new X509Certificate[0];

    // ---- setup ---------------------------------------------------------------------------------------------

    /** Adds a client (and its jail, if new) that authenticates with {@code clientId:secret}. */
    public StreamSeaEmulator addClient(String jailId, String clientId, String secret) {
        this.clients.put(clientId, new Client(clientId, jailId, secret));
        this.schemas.computeIfAbsent(jailId, (jail) -> new ConcurrentHashMap<>());
        return this;
    }

    /** Registers the RSA public key that verifies the client's JWTs (also possible over HTTP). */
    public StreamSeaEmulator registerJwtPublicKey(String clientId, @Nullable PublicKey key) {
        client(clientId).jwtPublicKey = key;
        return this;
    }

    /**
     * Serves https and wss with this key and certificate chain (call before {@link #start()}). The
     * certificate should name 127.0.0.1 (IP SAN), as clients verify the host name.
     */
    public StreamSeaEmulator tls(PrivateKey key, X509Certificate... chain) {
        this.tlsKey = key;
        this.tlsChain = chain.clone();
        return this;
    }

    /**
     * Starts serving. After a {@link #close()}, starting again binds the same port, like a server coming back
     * after an outage; schemas, clients and recordings are kept.
     */
    public synchronized StreamSeaEmulator start() {
        if (this.server == null) {
            HttpServer http = IsolatedLoopHttpServer.secure(HttpServer.create(), this.tlsKey, this.tlsChain);
            // Own event loops: a test's Spring context disposes Reactor Netty's global ones when it closes.
            this.server = IsolatedLoopHttpServer.bind("stream-sea-emulator", http
                .host("127.0.0.1")
                .port(this.boundPort)
                .compress(true)
                .route((routes) -> routes
                    .post("/api/v1/streams/{stream}/publish", (req, res) -> http(req, res, this::publish))
                    .post("/api/v1/streams/{stream}/define", (req, res) -> http(req, res, this::define))
                    .get("/api/v1/streams/{stream}/schema", (req, res) -> http(req, res, this::describe))
                    .post("/api/v1/schema-versions-vector", (req, res) -> http(req, res, this::versionsVector))
                    .put("/api/v1/client/{clientId}/jwt-public-key", (req, res) -> http(req, res, this::jwtPublicKey))
                    .ws("/api/v1/streams", this::webSocket,
                            WebsocketServerSpec.builder().maxFramePayloadLength(16 * 1024 * 1024).build())));
            this.boundPort = this.server.port();
            logger.info("stream-sea emulator listening on {}", httpBaseUrl());
        }
        return this;
    }

    @Override
    public synchronized void close() {
        IsolatedLoopHttpServer current = this.server;
        this.server = null;
        if (current != null) {
            this.connections.forEach((c) -> c.close(true));
            current.close(Duration.ofSeconds(30));
        }
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        IsolatedLoopHttpServer current = this.server;
        if (current == null) {
            throw new IllegalStateException("The stream-sea emulator is not started");
        }
        return current.port();
    }

    /** {@code http://127.0.0.1:<port>/api/v1} ({@code https} with {@link #tls}). */
    public String httpBaseUrl() {
        return (isSecure() ? "https" : "http") + "://" + host() + ":" + port() + "/api/v1";
    }

    /** {@code ws://127.0.0.1:<port>/api/v1/streams} ({@code wss} with {@link #tls}). */
    public String webSocketUrl() {
        return (isSecure() ? "wss" : "ws") + "://" + host() + ":" + port() + "/api/v1/streams";
    }

    /** Whether the emulator serves TLS. */
    public boolean isSecure() {
        return this.tlsKey != null;
    }

    // ---- switches --------------------------------------------------------------------------------------------

    /** Interval of the pings sent on every socket opened afterwards (30 s by default). */
    public StreamSeaEmulator pingInterval(Duration interval) {
        this.pingInterval = interval;
        return this;
    }

    public StreamSeaEmulator defaultGroupScope(DefaultGroupScope scope) {
        this.defaultGroupScope = scope;
        return this;
    }

    /** The {@code action} of subscribe acks and deliveries: {@code subscription} (default) or {@code subscribe}. */
    public StreamSeaEmulator answerAction(String action) {
        this.answerAction = action;
        return this;
    }

    /** Whether an array payload is delivered as one message per element (default true). */
    public StreamSeaEmulator splitArrayPayloads(boolean split) {
        this.splitArrayPayloads = split;
        return this;
    }

    /** Close a socket whose frame ids do not rise by one (default: only record the violation). */
    public StreamSeaEmulator closeOnIdViolation(boolean close) {
        this.closeOnIdViolation = close;
        return this;
    }

    /** Refuse and close a socket whose first frame is not {@code authenticate} with id 1 (default true). */
    public StreamSeaEmulator requireAuthenticateFirst(boolean require) {
        this.requireAuthenticateFirst = require;
        return this;
    }

    /** How long the emulator waits for the client to close after a refused authentication before it closes. */
    public StreamSeaEmulator authFailureCloseDelay(Duration delay) {
        this.authFailureCloseDelay = delay;
        return this;
    }

    // ---- fault hooks -----------------------------------------------------------------------------------------

    /**
     * Answers the next {@code count} publish requests with {@code status} (and a JSON {@code message}) without
     * accepting them, e.g. 503 for an overloaded server or 500 for a crash. {@code 0} goes back to normal.
     */
    public void failPublishes(int status, int count) {
        this.failPublishStatus = status;
        this.failPublishes.set(count);
    }

    /** Delays every answer to a publish request (the message itself is accepted and routed at once). */
    public void delayPublishAnswers(Duration delay) {
        this.publishDelay = delay;
    }

    /** Closes every open socket abruptly (no close frame), like a lost network. */
    public void dropAllConnections() {
        this.connections.forEach((c) -> c.close(true));
    }

    /** Refuses the next {@code count} authentications whatever the credentials. */
    public void refuseNextAuthentications(int count) {
        this.refuseAuthentications.set(count);
    }

    /** Delays every subscribe ack (and the start of deliveries to that subscriber). */
    public void delayAcks(Duration delay) {
        this.ackDelay = delay;
    }

    /** Delays every answer to {@code authenticate}. */
    public void delayAuthenticationAnswers(Duration delay) {
        this.authAckDelay = delay;
    }

    /** Answers every subscribe to {@code stream} with {@code success:false} (the real reasons are UNCONFIRMED). */
    public void forbidSubscriptions(String stream) {
        this.forbiddenStreams.add(stream);
    }

    public void allowSubscriptions(String stream) {
        this.forbiddenStreams.remove(stream);
    }

    /** Sends raw text as one frame on every authenticated socket. */
    public void injectToAll(String text) {
        for (WsConnection connection : this.connections) {
            if (connection.authenticatedAt != null && connection.closedAt == null) {
                connection.sendText(text);
            }
        }
    }

    /** A well-formed delivery for an id no subscription of the client has. */
    public void injectUnknownIdFrame() {
        injectToAll("{\"id\":987654,\"action\":\"subscription\",\"streamName\":\"ghost\",\"payload\":{\"x\":1}}");
    }

    public void injectFrameWithoutId() {
        injectToAll("{\"action\":\"subscription\",\"streamName\":\"ghost\",\"payload\":{\"x\":1}}");
    }

    public void injectNonJsonFrame() {
        injectToAll("this is not JSON {");
    }

    // ---- recordings ------------------------------------------------------------------------------------------

    /** Every text frame received on any socket, in arrival order. */
    public List<RecordedFrame> inboundFrames() {
        return List.copyOf(this.frames);
    }

    public List<RecordedFrame> inboundFrames(int connectionId) {
        return this.frames.stream().filter((f) -> f.connectionId() == connectionId).toList();
    }

    /** Received frames as JSON trees (non-JSON frames left out). */
    public List<JsonNode> inboundMessages(int connectionId) {
        List<JsonNode> messages = new ArrayList<>();
        for (RecordedFrame frame : inboundFrames(connectionId)) {
            try {
                messages.add(this.json.readTree(frame.text()));
            }
            catch (JacksonException ex) {
                // recorded as a violation already
            }
        }
        return messages;
    }

    /** Payloads of {@code stream} the server accepted (answered 200), in the order it accepted them. */
    public List<JsonNode> acceptedPayloads(String stream) {
        List<JsonNode> payloads = this.accepted.get(stream);
        return (payloads != null) ? List.copyOf(payloads) : List.of();
    }

    public List<RecordedRequest> httpRequests() {
        return List.copyOf(this.requests);
    }

    public List<ConnectionRecord> connections() {
        return this.connections.stream().map(WsConnection::record).toList();
    }

    public long openConnectionCount() {
        return this.connections.stream().filter((c) -> c.closedAt == null).count();
    }

    /** Protocol violations seen (ids out of sequence, non-text frames, {@code "groupId":null}, ...). */
    public List<String> protocolViolations() {
        return List.copyOf(this.violations);
    }

    /**
     * The consumer groups subscribed to a stream and their member counts, keyed {@code group:<uuid>},
     * {@code default:<clientId>}, {@code default-jail} or {@code private:<connection>:<subscription>}.
     */
    public synchronized Map<String, Integer> groups(String jailId, String stream) {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        Map<String, Group> byKey = this.groups.get(jailId + "/" + stream);
        if (byKey != null) {
            byKey.forEach((key, group) -> sizes.put(key, group.members.size()));
        }
        return sizes;
    }

    /** Subscribers of a stream across all groups. */
    public int subscriberCount(String jailId, String stream) {
        return groups(jailId, stream).values().stream().mapToInt(Integer::intValue).sum();
    }

    public void clearRecordings() {
        this.frames.clear();
        this.requests.clear();
        this.violations.clear();
        this.accepted.clear();
    }

    // ---- HTTP --------------------------------------------------------------------------------------------------

    private interface HttpCall {

        Answer call(Client client, HttpServerRequest request, JsonNode body);
    }

    private record Answer(int status, JsonNode body) {
    }

    private Publisher<Void> http(HttpServerRequest request, HttpServerResponse response, HttpCall call) {
        return request.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap((raw) -> {
            boolean gzipped = "gzip".equalsIgnoreCase(request.requestHeaders().get("Content-Encoding"));
            Answer answer;
            String text = "";
            try {
                text = new String(gzipped ? gunzip(raw) : raw, StandardCharsets.UTF_8);
                Map<String, String> headers = new LinkedHashMap<>();
                request.requestHeaders().forEach((e) -> headers.putIfAbsent(e.getKey().toLowerCase(), e.getValue()));
                this.requests.add(new RecordedRequest(request.method().name(), request.fullPath(), headers, text,
                        gzipped));
                Client client = basicAuth(request.requestHeaders().get("Authorization"));
                if (client == null) {
                    answer = error(401, INVALID_CREDENTIALS);
                }
                else {
                    JsonNode body = text.isEmpty() ? this.json.missingNode() : this.json.readTree(text);
                    answer = call.call(client, request, body);
                }
            }
            catch (JacksonException | IOException ex) {
                answer = error(400, "The request body is not valid JSON");
            }
            Duration delay = request.fullPath().endsWith("/publish") ? this.publishDelay : Duration.ZERO;
            if (!delay.isZero()) {
                Answer delayed = answer;
                return Mono.delay(delay).then(Mono.defer(() -> Mono.from(response
                    .status(HttpResponseStatus.valueOf(delayed.status()))
                    .header("Content-Type", "application/json")
                    .sendString(Mono.just(delayed.body().toString())))));
            }
            return response.status(HttpResponseStatus.valueOf(answer.status()))
                .header("Content-Type", "application/json")
                .sendString(Mono.just(answer.body().toString()))
                .then();
        });
    }

    private @Nullable Client basicAuth(@Nullable String header) {
        if (header == null || !header.startsWith("Basic ")) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        }
        catch (IllegalArgumentException ex) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        Client client = this.clients.get(decoded.substring(0, colon));
        return (client != null && client.secret.equals(decoded.substring(colon + 1))) ? client : null;
    }

    private Answer publish(Client client, HttpServerRequest request, JsonNode body) {
        if (this.failPublishes.getAndUpdate((n) -> Math.max(0, n - 1)) > 0) {
            return error(this.failPublishStatus, "The server cannot take the message now");
        }
        String stream = request.param("stream");
        List<JsonNode> versions = this.schemas.get(client.jailId).get(stream);
        if (versions == null || versions.isEmpty()) {
            return error(404, "Stream [" + stream + "] does not exist");
        }
        if (!body.isObject() || !body.has("payload")) {
            return error(400, "The body must be {\"payload\": ...}");
        }
        JsonNode schema = versions.get(versions.size() - 1);
        JsonNode payload = body.get("payload");
        List<JsonNode> messages = new ArrayList<>();
        if (payload.isArray() && this.splitArrayPayloads) {
            payload.forEach(messages::add);
        }
        else {
            messages.add(payload);
        }
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            String prefix = (messages.size() > 1 || payload.isArray()) ? "payload[" + i + "]" : "payload";
            SchemaRules.validateObject(schema.get("fields"), messages.get(i), prefix, errors);
        }
        if (!errors.isEmpty()) {
            ObjectNode answer = this.json.createObjectNode();
            answer.put("message", "The payload does not match the schema of [" + stream + "]");
            ArrayNode list = answer.putArray("errors");
            errors.forEach(list::add);
            return new Answer(400, answer);
        }
        messages.forEach((message) -> route(client.jailId, stream, message));
        this.accepted.computeIfAbsent(stream, (s) -> new CopyOnWriteArrayList<>()).add(payload);
        return new Answer(200, this.json.createObjectNode());
    }

    private Answer define(Client client, HttpServerRequest request, JsonNode body) {
        String stream = request.param("stream");
        if (!body.isObject() || !body.path("version").isIntegralNumber() || !body.path("fields").isArray()) {
            return error(400, "A schema needs an integer version and a fields array");
        }
        if (body.has("name") && !stream.equals(body.path("name").asString())) {
            return error(400, "The schema name [" + body.path("name").asString() + "] is not the stream [" + stream
                    + "]");
        }
        List<String> errors = new ArrayList<>();
        SchemaRules.validateFieldDefinitions(body.get("fields"), "fields", errors);
        if (!errors.isEmpty()) {
            ObjectNode answer = (ObjectNode) error(400, "The schema is invalid").body();
            ArrayNode list = answer.putArray("errors");
            errors.forEach(list::add);
            return new Answer(400, answer);
        }
        int version = body.path("version").asInt();
        ObjectNode schema = this.json.createObjectNode();
        schema.put("name", stream);
        schema.put("version", version);
        schema.set("fields", body.get("fields"));
        synchronized (this.schemas) {
            List<JsonNode> versions = this.schemas.get(client.jailId).computeIfAbsent(stream, (s) -> new ArrayList<>());
            if (!versions.isEmpty()) {
                JsonNode current = versions.get(versions.size() - 1);
                int currentVersion = current.path("version").asInt();
                if (version < currentVersion) {
                    return error(400, "The version pushed for the schema [" + stream + "] is [" + version
                            + "] but there is already an older version defined [" + currentVersion + "]");
                }
                if (version == currentVersion) {
                    if (SchemaRules.sameFields(current.get("fields"), body.get("fields"))) {
                        return new Answer(200, current);
                    }
                    return error(400, "The schema [" + stream + "] version [" + version
                            + "] is already defined with different fields");
                }
            }
            versions.add(schema);
        }
        return new Answer(200, schema);
    }

    private Answer describe(Client client, HttpServerRequest request, JsonNode body) {
        String stream = request.param("stream");
        List<JsonNode> versions = this.schemas.get(client.jailId).get(stream);
        if (versions == null || versions.isEmpty()) {
            return error(404, "Stream [" + stream + "] does not exist");
        }
        return new Answer(200, versions.get(versions.size() - 1));
    }

    private Answer versionsVector(Client client, HttpServerRequest request, JsonNode body) {
        if (!body.path("schemaNames").isArray()) {
            return error(400, "The body must be {\"schemaNames\": [...]}");
        }
        ObjectNode answer = this.json.createObjectNode();
        ArrayNode vector = answer.putArray("versionsVector");
        for (JsonNode name : body.get("schemaNames")) {
            List<JsonNode> versions = this.schemas.get(client.jailId).get(name.asString());
            if (versions == null || versions.isEmpty()) {
                vector.addNull();
            }
            else {
                vector.add(versions.get(versions.size() - 1).path("version").asInt());
            }
        }
        return new Answer(200, answer);
    }

    private Answer jwtPublicKey(Client client, HttpServerRequest request, JsonNode body) {
        if (!client.id.equals(request.param("clientId"))) {
            return error(403, "A client can only rotate its own JWT public key");
        }
        JsonNode pem = body.path("jwtPublicKey");
        if (pem.isNull() || pem.isMissingNode()) {
            client.jwtPublicKey = null;
        }
        else {
            try {
                client.jwtPublicKey = readPublicKey(pem.asString());
            }
            catch (IllegalArgumentException ex) {
                return error(400, "The JWT public key is not a PEM RSA public key");
            }
        }
        ObjectNode answer = this.json.createObjectNode();
        answer.put("givenId", client.id);
        answer.set("jwtPublicKey", pem.isMissingNode() ? this.json.nullNode() : pem);
        return new Answer(200, answer);
    }

    private Answer error(int status, String message) {
        ObjectNode body = this.json.createObjectNode();
        body.put("message", message);
        return new Answer(status, body);
    }

    // ---- routing -----------------------------------------------------------------------------------------------

    private synchronized void join(String jailId, String stream, String groupKey, Member member) {
        this.groups.computeIfAbsent(jailId + "/" + stream, (k) -> new LinkedHashMap<>())
            .computeIfAbsent(groupKey, (k) -> new Group())
            .members.add(member);
    }

    private synchronized void leave(WsConnection connection) {
        for (Map<String, Group> byKey : this.groups.values()) {
            byKey.values().forEach((group) -> group.members.removeIf((m) -> m.connection == connection));
            byKey.values().removeIf((group) -> group.members.isEmpty());
        }
    }

    private synchronized void route(String jailId, String stream, JsonNode message) {
        Map<String, Group> byKey = this.groups.get(jailId + "/" + stream);
        if (byKey == null) {
            return;
        }
        for (Group group : byKey.values()) {
            if (group.members.isEmpty()) {
                continue;
            }
            Member member = group.members.get(Math.floorMod(group.cursor++, group.members.size()));
            ObjectNode delivery = this.json.createObjectNode();
            delivery.put("id", member.subscriptionId);
            delivery.put("action", this.answerAction);
            delivery.put("streamName", stream);
            delivery.set("payload", message);
            member.connection.sendText(delivery.toString());
        }
    }

    private String groupKey(WsConnection connection, int subscriptionId, @Nullable String groupId) {
        if (connection.mustFanout) {
            return "private:" + connection.id + ":" + subscriptionId;
        }
        if (groupId != null) {
            return "group:" + groupId;
        }
        return (this.defaultGroupScope == DefaultGroupScope.PER_JAIL) ? "default-jail"
                : "default:" + connection.clientId;
    }

    // ---- WebSocket ---------------------------------------------------------------------------------------------

    private Publisher<Void> webSocket(WebsocketInbound in, WebsocketOutbound out) {
        WsConnection connection = new WsConnection(this.connectionIds.incrementAndGet());
        this.connections.add(connection);
        in.withConnection((c) -> {
            connection.connection = c;
            c.onDispose(connection::onClosed);
        });
        Duration interval = this.pingInterval;
        connection.pinger = Flux.interval(interval, interval, Schedulers.parallel())
            .subscribe((tick) -> connection.send(new PingWebSocketFrame(Unpooled.wrappedBuffer(
                    ("ping-" + tick).getBytes(StandardCharsets.US_ASCII)))));
        Mono<Void> receiving = in.aggregateFrames(16 * 1024 * 1024)
            .receiveFrames()
            .doOnNext(connection::onFrame)
            .doFinally((signal) -> connection.completeOutbound())
            .then();
        Mono<Void> sending = out.sendObject(connection.outbound.asFlux()).then();
        return Mono.when(receiving, sending);
    }

    private final class WsConnection {

        final int id;

        final Instant openedAt = Instant.now();

        final Sinks.Many<WebSocketFrame> outbound = Sinks.many().unicast().onBackpressureBuffer();

        volatile @Nullable Connection connection;

        volatile @Nullable Disposable pinger;

        volatile @Nullable Disposable expiry;

        volatile @Nullable String clientId;

        volatile @Nullable String jailId;

        volatile boolean jwt;

        volatile boolean mustFanout;

        volatile @Nullable Instant authenticatedAt;

        volatile @Nullable Instant authAnswerSentAt;

        volatile @Nullable Instant closedAt;

        volatile boolean closingByServer;

        volatile boolean closedByClient;

        final AtomicInteger pongs = new AtomicInteger();

        int lastId;

        boolean authenticating;

        WsConnection(int id) {
            this.id = id;
        }

        ConnectionRecord record() {
            return new ConnectionRecord(this.id, this.clientId, this.jwt, this.openedAt, this.authenticatedAt,
                    this.authAnswerSentAt, this.closedAt, this.closedByClient, this.pongs.get());
        }

        synchronized void send(WebSocketFrame frame) {
            if (this.closedAt == null) {
                this.outbound.tryEmitNext(frame);
            }
        }

        void sendText(String text) {
            send(new TextWebSocketFrame(text));
        }

        synchronized void completeOutbound() {
            this.outbound.tryEmitComplete();
        }

        void onClosed() {
            if (this.closedAt == null) {
                this.closedByClient = !this.closingByServer;
                this.closedAt = Instant.now();
            }
            Disposable ping = this.pinger;
            if (ping != null) {
                ping.dispose();
            }
            Disposable exp = this.expiry;
            if (exp != null) {
                exp.dispose();
            }
            leave(this);
        }

        void close(boolean abrupt) {
            this.closingByServer = true;
            Connection c = this.connection;
            if (c == null) {
                return;
            }
            if (abrupt) {
                // No close frame: like a lost network or a crashed server.
                c.channel().close();
                return;
            }
            synchronized (this) {
                this.outbound.tryEmitNext(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE));
                this.outbound.tryEmitComplete();
            }
            // A client that does not answer the close frame is cut off.
            Mono.delay(Duration.ofMillis(500), Schedulers.parallel()).subscribe((tick) -> c.channel().close());
        }

        void onFrame(WebSocketFrame frame) {
            if (frame instanceof PongWebSocketFrame) {
                this.pongs.incrementAndGet();
                return;
            }
            if (!(frame instanceof TextWebSocketFrame text)) {
                violation("a " + frame.getClass().getSimpleName() + " (only text frames are allowed)");
                return;
            }
            String body = text.text();
            frames.add(new RecordedFrame(this.id, Instant.now(), body));
            JsonNode message;
            try {
                message = json.readTree(body);
            }
            catch (JacksonException ex) {
                violation("a frame that is not JSON");
                return;
            }
            int frameId = message.path("id").asInt(0);
            String action = message.path("action").asString("");
            synchronized (this) {
                if (frameId != this.lastId + 1) {
                    violation("id " + frameId + " after id " + this.lastId);
                    if (closeOnIdViolation) {
                        close(false);
                        return;
                    }
                }
                this.lastId = Math.max(this.lastId, frameId);
            }
            if (this.authenticatedAt == null && !this.authenticating) {
                if (frameId != 1 || !action.equals("authenticate")) {
                    violation("first frame is " + action + " with id " + frameId);
                    if (requireAuthenticateFirst) {
                        answerFailure(frameId, action, "Not authenticated");
                        closeAfter(authFailureCloseDelay);
                        return;
                    }
                }
            }
            switch (action) {
                case "authenticate" -> authenticate(frameId, message.path("payload"));
                case "subscribe" -> subscribe(frameId, message);
                default -> answerFailure(frameId, action, "Unknown action [" + action + "]");
            }
        }

        private void authenticate(int frameId, JsonNode payload) {
            if (frameId != 1 || this.authenticatedAt != null || this.authenticating) {
                violation("authenticate with id " + frameId);
                answerFailure(frameId, "authenticate", "Already authenticated");
                return;
            }
            this.authenticating = true;
            String failure = checkCredentials(payload);
            Duration delay = authAckDelay;
            Runnable answer = () -> {
                this.authAnswerSentAt = Instant.now();
                if (failure != null) {
                    answerFailure(1, "authenticate", failure);
                    closeAfter(authFailureCloseDelay);
                    return;
                }
                this.authenticatedAt = Instant.now();
                ObjectNode ok = json.createObjectNode();
                ok.put("id", 1);
                ok.put("action", "authenticate");
                ok.put("success", true);
                ok.putObject("payload").put("jailId", this.jailId);
                sendText(ok.toString());
            };
            if (delay.isZero()) {
                answer.run();
            }
            else {
                Mono.delay(delay, Schedulers.parallel()).subscribe((tick) -> answer.run());
            }
        }

        private @Nullable String checkCredentials(JsonNode payload) {
            if (refuseAuthentications.getAndUpdate((n) -> Math.max(0, n - 1)) > 0) {
                return "Invalid credentials";
            }
            Client client = clients.get(payload.path("clientId").asString(""));
            if (client == null) {
                return "Invalid credentials";
            }
            String type = payload.path("type").asString("");
            if (type.equals("basic")) {
                if (!client.secret.equals(payload.path("clientSecret").asString(null))) {
                    return "Invalid credentials";
                }
            }
            else if (type.equals("jwt")) {
                PublicKey key = client.jwtPublicKey;
                if (key == null) {
                    return "No JWT public key is registered for the client";
                }
                JsonNode claims = Jwts.verify(json, payload.path("jwt").asString(""), key);
                if (claims == null) {
                    return "Invalid JWT";
                }
                long exp = claims.path("exp").asLong(0);
                long now = Instant.now().getEpochSecond();
                if (!claims.path("exp").isNumber() || exp <= now) {
                    return "The JWT has expired";
                }
                this.jwt = true;
                this.mustFanout = claims.path("mustFanout").asBoolean(false);
                // The server closes the socket when the token expires.
                this.expiry = Mono.delay(Duration.ofSeconds(exp).minusMillis(System.currentTimeMillis()),
                        Schedulers.parallel()).subscribe((tick) -> close(false));
            }
            else {
                return "Unknown authentication type [" + type + "]";
            }
            this.clientId = client.id;
            this.jailId = client.jailId;
            return null;
        }

        private void subscribe(int frameId, JsonNode message) {
            if (this.authenticatedAt == null) {
                answerFailure(frameId, "subscribe", "Not authenticated");
                return;
            }
            JsonNode stream = message.path("payload");
            if (!stream.isString()) {
                answerFailure(frameId, "subscribe", "The payload must be the stream name");
                return;
            }
            String groupId = null;
            if (message.has("groupId")) {
                JsonNode group = message.get("groupId");
                if (!group.isString() || !UUID.matcher(group.asString()).matches()) {
                    violation("groupId " + group + " is not a lowercase UUID");
                    answerFailure(frameId, "subscribe", "Invalid groupId");
                    return;
                }
                groupId = group.asString();
            }
            if (forbiddenStreams.contains(stream.asString())) {
                answerFailure(frameId, "subscribe", "Access to stream [" + stream.asString() + "] is forbidden");
                return;
            }
            String key = groupKey(this, frameId, groupId);
            String jail = Objects.requireNonNull(this.jailId);
            Runnable ack = () -> {
                ObjectNode answer = json.createObjectNode();
                answer.put("id", frameId);
                answer.put("action", answerAction);
                answer.put("success", true);
                answer.put("streamName", stream.asString());
                answer.put("payload", frameId);
                sendText(answer.toString());
                // Joined only after the ack went out: no delivery overtakes it.
                if (this.closedAt == null) {
                    join(jail, stream.asString(), key, new Member(this, frameId));
                }
            };
            Duration delay = ackDelay;
            if (delay.isZero()) {
                ack.run();
            }
            else {
                Mono.delay(delay, Schedulers.parallel()).subscribe((tick) -> ack.run());
            }
        }

        private void answerFailure(int frameId, String action, String message) {
            ObjectNode answer = json.createObjectNode();
            answer.put("id", frameId);
            answer.put("action", action);
            answer.put("success", false);
            answer.putObject("error").put("message", message);
            sendText(answer.toString());
        }

        private void closeAfter(Duration delay) {
            Mono.delay(delay, Schedulers.parallel()).subscribe((tick) -> close(false));
        }

        private void violation(String what) {
            String text = "connection " + this.id + ": " + what;
            violations.add(text);
            logger.debug("stream-sea emulator: protocol violation on {}", text);
        }
    }

    /** Reads a PEM RSA public key: X.509 ({@code BEGIN PUBLIC KEY}) or PKCS#1 ({@code BEGIN RSA PUBLIC KEY}). */
    public static PublicKey readPublicKey(String pem) {
        return Jwts.readPublicKey(pem);
    }

    private static byte[] gunzip(byte[] bytes) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return in.readAllBytes();
        }
    }

    private Client client(String clientId) {
        Client client = this.clients.get(clientId);
        if (client == null) {
            throw new IllegalArgumentException("No client '" + clientId + "'; add it with addClient first");
        }
        return client;
    }

    private static final class Client {

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

    private record Member(WsConnection connection, int subscriptionId) {
    }

    private static final class Group {

        final List<Member> members = new ArrayList<>();

        int cursor;
    }
}
