package dev.iotspring.test.streamsea;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.WebsocketServerSpec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

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
 * <p>Fault hooks drop sockets, refuse authentications, delay answers, fail publishes (with JSON or non-JSON
 * bodies) and inject malformed, binary or large frames; everything received is recorded for assertions, and
 * the counts a test waits on (group joins, deliveries, open sockets) are reported.
 *
 * <p>This class is the facade; the server's state is {@code EmulatorState}, the handlers {@code HttpApiHandlers}
 * and {@code WebSocketSession}, the switches {@code EmulatorFaults}.
 *
 * <pre>{@code
 * try (StreamSeaEmulator emulator = new StreamSeaEmulator().addClient("jail", "svc", "s3cr3t").start()) {
 *     // point iot.stream-sea.remote-host/remote-port at emulator.host()/emulator.port(), secure=false
 * }
 * }</pre>
 */
public final class StreamSeaEmulator implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(StreamSeaEmulator.class);

    static final String INVALID_CREDENTIALS = HttpApiHandlers.INVALID_CREDENTIALS;

    /** Which default group a subscriber without {@code groupId} joins (UNCONFIRMED on the real server). */
    public enum DefaultGroupScope {
        /** One default group per client id: instances of one client compete. */
        PER_CLIENT,
        /** One default group per jail: all clients of a jail compete. */
        PER_JAIL
    }

    private final EmulatorFaults faults = new EmulatorFaults();

    private final EmulatorState state = new EmulatorState(this.faults);

    private final HttpApiHandlers http = new HttpApiHandlers(this.state);

    private volatile @Nullable IsolatedLoopHttpServer server;

    /** The port of the first start, bound again by later starts so clients find the server where it was. */
    private volatile int boundPort;

    private volatile @Nullable PrivateKey tlsKey;

    private volatile X509Certificate[] tlsChain = new X509Certificate[0];

    // ---- setup ---------------------------------------------------------------------------------------------

    /** Adds a client (and its jail, if new) that authenticates with {@code clientId:secret}. */
    public StreamSeaEmulator addClient(String jailId, String clientId, String secret) {
        this.state.clients.put(clientId, new EmulatorState.Client(clientId, jailId, secret));
        this.state.schemas.computeIfAbsent(jailId, (jail) -> new ConcurrentHashMap<>());
        return this;
    }

    /** Registers the RSA public key that verifies the client's JWTs (also possible over HTTP). */
    public StreamSeaEmulator registerJwtPublicKey(String clientId, @Nullable PublicKey key) {
        this.state.client(clientId).jwtPublicKey = key;
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
            HttpServer server = IsolatedLoopHttpServer.secure(HttpServer.create(), this.tlsKey, this.tlsChain);
            // Own event loops: a test's Spring context disposes Reactor Netty's global ones when it closes.
            this.server = IsolatedLoopHttpServer.bind("stream-sea-emulator", server
                .host("127.0.0.1")
                .port(this.boundPort)
                .compress(true)
                .route((routes) -> {
                    this.http.addRoutes(routes);
                    routes.ws("/api/v1/streams", (in, out) -> WebSocketSession.handle(this.state, in, out),
                            WebsocketServerSpec.builder().maxFramePayloadLength(WebSocketSession.MAX_FRAME).build());
                }));
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
            this.state.connections.forEach((c) -> c.close(true));
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
        this.faults.pingInterval = interval;
        return this;
    }

    public StreamSeaEmulator defaultGroupScope(DefaultGroupScope scope) {
        this.faults.defaultGroupScope = scope;
        return this;
    }

    /** The {@code action} of subscribe acks and deliveries: {@code subscription} (default) or {@code subscribe}. */
    public StreamSeaEmulator answerAction(String action) {
        this.faults.answerAction = action;
        return this;
    }

    /**
     * Whether a batch (an array payload) is delivered as one message per element. By default it is delivered
     * as published, one delivery whose payload is the array, as stream-sea documents batch reception (the JS
     * client's {@code batch_poc} branch: "an array of user-defined message objects which were published in a
     * single batch"); the real server's choice is UNCONFIRMED.
     */
    public StreamSeaEmulator splitArrayPayloads(boolean split) {
        this.faults.splitArrayPayloads = split;
        return this;
    }

    /** Close a socket whose frame ids do not rise by one (default: only record the violation). */
    public StreamSeaEmulator closeOnIdViolation(boolean close) {
        this.faults.closeOnIdViolation = close;
        return this;
    }

    /** Refuse and close a socket whose first frame is not {@code authenticate} with id 1 (default true). */
    public StreamSeaEmulator requireAuthenticateFirst(boolean require) {
        this.faults.requireAuthenticateFirst = require;
        return this;
    }

    /** How long the emulator waits for the client to close after a refused authentication before it closes. */
    public StreamSeaEmulator authFailureCloseDelay(Duration delay) {
        this.faults.authFailureCloseDelay = delay;
        return this;
    }

    // ---- fault hooks -----------------------------------------------------------------------------------------

    /**
     * Answers the next {@code count} publish requests with {@code status} (and a JSON {@code message}) without
     * accepting them, e.g. 503 for an overloaded server or 500 for a crash. {@code 0} goes back to normal.
     */
    public void failPublishes(int status, int count) {
        failPublishes(status, count, null, null);
    }

    /**
     * Like {@link #failPublishes(int, int)}, with a body that is not JSON, e.g. the HTML error page of a proxy
     * ({@code text/html}) or plain text; {@code null} body means the JSON {@code message}.
     */
    public void failPublishes(int status, int count, @Nullable String contentType, @Nullable String body) {
        this.faults.failPublishStatus = status;
        this.faults.failPublishContentType = contentType;
        this.faults.failPublishBody = body;
        this.faults.failPublishes.set(count);
    }

    /** Delays every answer to a publish request (the message itself is accepted and routed at once). */
    public void delayPublishAnswers(Duration delay) {
        this.faults.publishDelay = delay;
    }

    /** Closes every open socket abruptly (no close frame), like a lost network. */
    public void dropAllConnections() {
        this.state.connections.forEach((c) -> c.close(true));
    }

    /** Refuses the next {@code count} authentications whatever the credentials. */
    public void refuseNextAuthentications(int count) {
        this.faults.refuseAuthentications.set(count);
    }

    /** Delays every subscribe ack (and the start of deliveries to that subscriber). */
    public void delayAcks(Duration delay) {
        this.faults.ackDelay = delay;
    }

    /** Delays every answer to {@code authenticate}. */
    public void delayAuthenticationAnswers(Duration delay) {
        this.faults.authAckDelay = delay;
    }

    /** Answers every subscribe to {@code stream} with {@code success:false} (the real reasons are UNCONFIRMED). */
    public void forbidSubscriptions(String stream) {
        this.faults.forbiddenStreams.add(stream);
    }

    public void allowSubscriptions(String stream) {
        this.faults.forbiddenStreams.remove(stream);
    }

    /** Sends raw text as one frame on every authenticated socket. */
    public void injectToAll(String text) {
        for (WebSocketSession connection : this.state.connections) {
            if (connection.isAuthenticatedAndOpen()) {
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

    /** A binary frame (the protocol has text frames only) on every authenticated socket. */
    public void injectBinaryFrame() {
        byte[] bytes = "{\"id\":2,\"action\":\"subscription\",\"payload\":{}}".getBytes(StandardCharsets.UTF_8);
        for (WebSocketSession connection : this.state.connections) {
            if (connection.isAuthenticatedAndOpen()) {
                connection.sendBinary(bytes);
            }
        }
    }

    /**
     * Delivers {@code payloadJson} to the subscribers of a stream as if it had been published, without the
     * schema check: a payload the subscriber's type may not be able to read.
     */
    public void injectDelivery(String jailId, String stream, String payloadJson) {
        this.state.route(jailId, stream, this.state.json.readTree(payloadJson));
    }

    // ---- recordings ------------------------------------------------------------------------------------------

    /** Every text frame received on any socket, in arrival order. */
    public List<RecordedFrame> inboundFrames() {
        return List.copyOf(this.state.frames);
    }

    public List<RecordedFrame> inboundFrames(int connectionId) {
        return this.state.frames.stream().filter((f) -> f.connectionId() == connectionId).toList();
    }

    /** Received frames as JSON trees (non-JSON frames left out). */
    public List<JsonNode> inboundMessages(int connectionId) {
        List<JsonNode> messages = new ArrayList<>();
        for (RecordedFrame frame : inboundFrames(connectionId)) {
            try {
                messages.add(this.state.json.readTree(frame.text()));
            }
            catch (JacksonException ex) {
                // recorded as a violation already
            }
        }
        return messages;
    }

    /** Payloads of {@code stream} the server accepted (answered 200), in the order it accepted them. */
    public List<JsonNode> acceptedPayloads(String stream) {
        List<JsonNode> payloads = this.state.accepted.get(stream);
        return (payloads != null) ? List.copyOf(payloads) : List.of();
    }

    /**
     * Messages of {@code stream} the server accepted, in order, with every batch (an array payload) opened into
     * its elements: what a subscriber would see one by one.
     */
    public List<JsonNode> acceptedMessages(String stream) {
        List<JsonNode> messages = new ArrayList<>();
        for (JsonNode payload : acceptedPayloads(stream)) {
            if (payload.isArray()) {
                payload.forEach(messages::add);
            }
            else {
                messages.add(payload);
            }
        }
        return messages;
    }

    public List<RecordedRequest> httpRequests() {
        return List.copyOf(this.state.requests);
    }

    public List<ConnectionRecord> connections() {
        return this.state.connections.stream().map(WebSocketSession::record).toList();
    }

    public long openConnectionCount() {
        return this.state.connections.stream().filter((c) -> c.closedAt == null).count();
    }

    /** Protocol violations seen (ids out of sequence, non-text frames, {@code "groupId":null}, ...). */
    public List<String> protocolViolations() {
        return List.copyOf(this.state.violations);
    }

    /**
     * The consumer groups subscribed to a stream and their member counts, keyed {@code group:<uuid>},
     * {@code default:<clientId>}, {@code default-jail} or {@code private:<connection>:<subscription>}.
     */
    public Map<String, Integer> groups(String jailId, String stream) {
        return this.state.groupSizes(jailId, stream);
    }

    /** Subscribers of a stream across all groups. */
    public int subscriberCount(String jailId, String stream) {
        return groups(jailId, stream).values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * Subscriptions of one socket that are acknowledged and members of their group, so deliveries reach them
     * (the ack goes out just before the join: wait on this, not on the ack).
     */
    public int joinedSubscriptions(int connectionId) {
        return this.state.memberships(connectionId);
    }

    /** Group joins on any socket since start (or the last {@link #clearRecordings()}). */
    public long groupJoinCount() {
        return this.state.joins.get();
    }

    /** Delivery frames the emulator sent for a stream since start (or the last {@link #clearRecordings()}). */
    public long deliveryCount(String stream) {
        AtomicLong count = this.state.deliveries.get(stream);
        return (count != null) ? count.get() : 0;
    }

    public void clearRecordings() {
        this.state.clearRecordings();
    }

    /** Reads a PEM RSA public key: X.509 ({@code BEGIN PUBLIC KEY}) or PKCS#1 ({@code BEGIN RSA PUBLIC KEY}). */
    public static PublicKey readPublicKey(String pem) {
        return Jwts.readPublicKey(pem);
    }
}
