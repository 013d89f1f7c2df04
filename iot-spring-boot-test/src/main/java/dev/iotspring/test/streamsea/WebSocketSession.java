package dev.iotspring.test.streamsea;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
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
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.test.streamsea.EmulatorState.Client;
import dev.iotspring.test.streamsea.EmulatorState.Member;

/**
 * One WebSocket of spec §3 on the emulator's side: in-band {@code authenticate} (basic or RS512 JWT), ids that
 * rise by one, {@code subscribe} with consumer groups, pings, and the close rules.
 */
final class WebSocketSession {

    private static final Logger logger = LoggerFactory.getLogger(WebSocketSession.class);

    /** The largest message the emulator takes or sends (the real server's limit is UNCONFIRMED). */
    static final int MAX_FRAME = 16 * 1024 * 1024;

    private static final Pattern UUID = Pattern.compile(
            "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");

    private final EmulatorState state;

    private final EmulatorFaults faults;

    private final JsonMapper json;

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

    /** The {@code filter} claim of the bearer's JWT: which messages it may receive ({@link DeliveryFilter}). */
    volatile @Nullable JsonNode filter;

    volatile @Nullable Instant authenticatedAt;

    volatile @Nullable Instant authAnswerSentAt;

    volatile @Nullable Instant closedAt;

    volatile boolean closingByServer;

    volatile boolean closedByClient;

    final AtomicInteger pongs = new AtomicInteger();

    int lastId;

    boolean authenticating;

    private WebSocketSession(EmulatorState state, int id) {
        this.state = state;
        this.faults = state.faults;
        this.json = state.json;
        this.id = id;
    }

    /** The WebSocket route's handler: a session per upgrade, pinging at the configured interval. */
    static Publisher<Void> handle(EmulatorState state, WebsocketInbound in, WebsocketOutbound out) {
        WebSocketSession session = new WebSocketSession(state, state.connectionIds.incrementAndGet());
        state.connections.add(session);
        in.withConnection((c) -> {
            session.connection = c;
            c.onDispose(session::onClosed);
        });
        Duration interval = state.faults.pingInterval;
        session.pinger = Flux.interval(interval, interval, Schedulers.parallel())
            .subscribe((tick) -> session.send(new PingWebSocketFrame(Unpooled.wrappedBuffer(
                    ("ping-" + tick).getBytes(StandardCharsets.US_ASCII)))));
        Mono<Void> receiving = in.aggregateFrames(MAX_FRAME)
            .receiveFrames()
            .doOnNext(session::onFrame)
            .doFinally((signal) -> session.completeOutbound())
            .then();
        Mono<Void> sending = out.sendObject(session.outbound.asFlux()).then();
        return Mono.when(receiving, sending);
    }

    ConnectionRecord record() {
        return new ConnectionRecord(this.id, this.clientId, this.jwt, this.openedAt, this.authenticatedAt,
                this.authAnswerSentAt, this.closedAt, this.closedByClient, this.pongs.get());
    }

    boolean isAuthenticatedAndOpen() {
        return this.authenticatedAt != null && this.closedAt == null;
    }

    synchronized void send(WebSocketFrame frame) {
        if (this.closedAt == null) {
            this.outbound.tryEmitNext(frame);
        }
    }

    void sendText(String text) {
        send(new TextWebSocketFrame(text));
    }

    void sendBinary(byte[] bytes) {
        send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
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
        this.state.leave(this);
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
        this.state.frames.add(new RecordedFrame(this.id, Instant.now(), body));
        JsonNode message;
        try {
            message = this.json.readTree(body);
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
                if (this.faults.closeOnIdViolation) {
                    close(false);
                    return;
                }
            }
            this.lastId = Math.max(this.lastId, frameId);
        }
        if (this.authenticatedAt == null && !this.authenticating) {
            if (frameId != 1 || !action.equals("authenticate")) {
                violation("first frame is " + action + " with id " + frameId);
                if (this.faults.requireAuthenticateFirst) {
                    answerFailure(frameId, action, "Not authenticated");
                    closeAfter(this.faults.authFailureCloseDelay);
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
        Duration delay = this.faults.authAckDelay;
        Runnable answer = () -> {
            this.authAnswerSentAt = Instant.now();
            if (failure != null) {
                answerFailure(1, "authenticate", failure);
                closeAfter(this.faults.authFailureCloseDelay);
                return;
            }
            this.authenticatedAt = Instant.now();
            ObjectNode ok = this.json.createObjectNode();
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
        if (this.faults.takeAuthenticationRefusal()) {
            return "Invalid credentials";
        }
        Client client = this.state.clients.get(payload.path("clientId").asString(""));
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
            JsonNode claims = Jwts.verify(this.json, payload.path("jwt").asString(""), key);
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
            this.filter = claims.has("filter") ? claims.get("filter") : null;
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
        if (this.faults.forbiddenStreams.contains(stream.asString())) {
            answerFailure(frameId, "subscribe", "Access to stream [" + stream.asString() + "] is forbidden");
            return;
        }
        String key = this.state.groupKey(this, frameId, groupId);
        String jail = Objects.requireNonNull(this.jailId);
        Runnable ack = () -> {
            ObjectNode answer = this.json.createObjectNode();
            answer.put("id", frameId);
            answer.put("action", this.faults.answerAction);
            answer.put("success", true);
            answer.put("streamName", stream.asString());
            answer.put("payload", frameId);
            sendText(answer.toString());
            // Joined only after the ack went out: no delivery overtakes it.
            if (this.closedAt == null) {
                this.state.join(jail, stream.asString(), key, new Member(this, frameId));
            }
        };
        Duration delay = this.faults.ackDelay;
        if (delay.isZero()) {
            ack.run();
        }
        else {
            Mono.delay(delay, Schedulers.parallel()).subscribe((tick) -> ack.run());
        }
    }

    private void answerFailure(int frameId, String action, String message) {
        ObjectNode answer = this.json.createObjectNode();
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
        this.state.violations.add(text);
        logger.debug("stream-sea emulator: protocol violation on {}", text);
    }
}
