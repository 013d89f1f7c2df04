package dev.iotspring.streamsea;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.util.retry.Retry;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.core.event.IotEventPublisher;
import dev.iotspring.core.http.HttpClientSettings;
import dev.iotspring.core.http.IotWebClients;
import dev.iotspring.core.lifecycle.IotLifecyclePhases;

import org.springframework.context.SmartLifecycle;

/**
 * The one WebSocket connection every subscription of a {@link StreamSeaTemplate} shares.
 *
 * <p>Per socket: frame 1 is {@code authenticate}; nothing else goes out before its answer; then every logical
 * subscription is sent as {@code subscribe} with ids 2, 3, ... in send order. Server frames are routed by
 * {@code id} only (the answer's {@code action} may be {@code subscription} or {@code subscribe}); the first
 * answer with a {@code success} key is the ack, the others are deliveries. Frames that are not JSON, carry no
 * id or an unknown id are logged and skipped.
 *
 * <p>When the socket closes, fails or authentication is refused, a new socket is opened after a backoff
 * (doubling from the initial delay up to the maximum, reset once authenticated): ids start again at 1, a
 * fresh token is taken from the token source, and every subscription is sent again (a fixed group keeps its
 * UUID, a fan-out subscription gets a new one). stream-sea has no offsets, so messages published while no
 * socket is up are not redelivered.
 */
public class StreamSeaConnection implements SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(StreamSeaConnection.class);

    private static final int FAILURE_ALERT_THRESHOLD = 20;

    private static final Object AUTHENTICATED = new Object();

    private final StreamSeaClientSettings settings;

    private final HttpClient httpClient;

    private final JsonMapper json;

    private final CopyOnWriteArrayList<LogicalSubscription> subscriptions = new CopyOnWriteArrayList<>();

    private final Sinks.Many<StreamSeaException> errors = Sinks.many().multicast().directBestEffort();

    private final AtomicLong connects = new AtomicLong();

    private final AtomicLong reconnects = new AtomicLong();

    private final AtomicLong received = new AtomicLong();

    private final AtomicLong malformed = new AtomicLong();

    private final AtomicInteger consecutiveFailures = new AtomicInteger();

    private volatile @Nullable Session session;

    private volatile @Nullable IotEventPublisher events;

    private volatile @Nullable Disposable loop;

    private volatile @Nullable Instant lastFrameAt;

    private volatile @Nullable Throwable lastError;

    public StreamSeaConnection(StreamSeaClientSettings settings, JsonMapper json) {
        this.settings = settings;
        this.json = json;
        Duration idle = settings.idleTimeout().isZero() ? Duration.ofDays(1) : settings.idleTimeout();
        // The response timeout would otherwise also bound the silence between frames of the upgraded socket.
        HttpClientSettings http = new HttpClientSettings(settings.webSocketUri(), settings.connectTimeout(),
                idle.plus(settings.authTimeout()), Map.of(), settings.sslBundle());
        this.httpClient = IotWebClients.httpClient(http);
    }

    /** Deliveries of {@code stream} as JSON trees; each subscriber of the returned Flux is one subscription. */
    Flux<JsonNode> subscribe(String stream, GroupMode mode) {
        return Flux.defer(() -> {
            LogicalSubscription subscription = new LogicalSubscription(stream, mode);
            this.subscriptions.add(subscription);
            Session current = this.session;
            if (current != null) {
                current.subscribeIfAuthenticated(subscription);
            }
            return subscription.sink.asFlux().doFinally((signal) -> {
                subscription.cancelled = true;
                this.subscriptions.remove(subscription);
            });
        });
    }

    /**
     * Reports every change between authenticated and not as a core {@code IotConnectionStateChangedEvent}
     * (the auto-configuration sets it; set it before {@link #start()}).
     */
    public void setEventPublisher(@Nullable IotEventPublisher events) {
        this.events = events;
    }

    /** Connection failures as they happen (authentication refused, socket errors); never completes. */
    public Flux<StreamSeaException> errors() {
        return this.errors.asFlux();
    }

    public StreamSeaConnectionState state() {
        Session current = this.session;
        // A dropped socket stays the current session until the next attempt: it is closed, not connected.
        return new StreamSeaConnectionState(isRunning(), current != null && current.authenticated && !current.closed,
                this.subscriptions.size(), this.lastFrameAt, this.connects.get(), this.reconnects.get(),
                this.received.get(), this.malformed.get(), this.lastError);
    }

    @Override
    public synchronized void start() {
        if (this.loop != null) {
            return;
        }
        RetryBackoff backoff = this.settings.reconnect();
        // The attempt count (and so the delay) starts over once a socket authenticated.
        Retry retry = Retry.from((failures) -> failures.concatMap((failure) -> {
            this.reconnects.incrementAndGet();
            return Mono.delay(backoff.delay(Math.max(1, this.consecutiveFailures.get())), Schedulers.parallel());
        }));
        // Subscribed on a worker: the first connect sets up Reactor Netty's client (resolver, event loops, the
        // WebSocket handshake's classes), which would otherwise run on the application's startup thread (issue 11).
        this.loop = Flux.defer(this::connectOnce)
            .subscribeOn(Schedulers.boundedElastic())
            .doOnError(this::onSessionEnded)
            .retryWhen(retry)
            .subscribe(null, (ex) -> logger.error("stream-sea connection loop ended", ex));
        logger.info("Connecting to stream-sea at {}", this.settings.webSocketUri());
    }

    @Override
    public synchronized void stop() {
        Disposable current = this.loop;
        this.loop = null;
        if (current != null) {
            current.dispose();
        }
        Session open = this.session;
        this.session = null;
        if (open != null) {
            open.close();
        }
        connectionChanged(false, null, false);
    }

    private void connectionChanged(boolean connected, @Nullable Throwable cause, boolean willRetry) {
        IotEventPublisher publisher = this.events;
        if (publisher != null) {
            publisher.connectionChanged(this, connected, cause, willRetry);
        }
    }

    @Override
    public boolean isRunning() {
        return this.loop != null;
    }

    @Override
    public int getPhase() {
        return IotLifecyclePhases.CONNECTION;
    }

    /** Completes every subscription; called when the template is destroyed. */
    public void close() {
        stop();
        for (LogicalSubscription subscription : this.subscriptions) {
            subscription.sink.emitComplete(Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(1)));
        }
    }

    private Flux<Object> connectOnce() {
        URI uri = this.settings.webSocketUri();
        WebsocketClientSpec spec = WebsocketClientSpec.builder()
            .maxFramePayloadLength(this.settings.maxFrameSize())
            // Pings reach the session, which answers them and counts them as signs of life.
            .handlePing(true)
            .build();
        return Flux.defer(() -> {
            Session next = new Session(authenticatePayload());
            this.session = next;
            return this.httpClient.websocket(spec)
                .uri(uri)
                .handle(next::run)
                .doFinally((signal) -> next.close());
        }).concatWith(Mono.error(() -> new StreamSeaException("stream-sea closed the WebSocket connection")));
    }

    private ObjectNode authenticatePayload() {
        ObjectNode payload = this.json.createObjectNode();
        StreamSeaTokenSource tokens = this.settings.tokenSource();
        if (tokens != null) {
            payload.put("type", "jwt");
            payload.put("clientId", this.settings.clientId());
            payload.put("jwt", tokens.token());
        }
        else {
            payload.put("type", "basic");
            payload.put("clientId", this.settings.clientId());
            payload.put("clientSecret", this.settings.clientSecret());
        }
        return payload;
    }

    private void onSessionEnded(Throwable ex) {
        StreamSeaException failure = (ex instanceof StreamSeaException sse) ? sse
                : new StreamSeaException("stream-sea connection failed: " + describe(ex), 0, ex);
        this.lastError = failure;
        this.errors.tryEmitNext(failure);
        connectionChanged(false, failure, isRunning());
        int failures = this.consecutiveFailures.incrementAndGet();
        if (failures % FAILURE_ALERT_THRESHOLD == 0) {
            logger.error("stream-sea: {} consecutive connection failures, last: {}", failures, failure.getMessage());
        }
        else {
            logger.warn("stream-sea connection lost, reconnecting: {}", failure.getMessage());
        }
    }

    private String describe(Throwable ex) {
        if (ex instanceof TimeoutException) {
            return "no frame arrived within the idle timeout";
        }
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            if (cause instanceof CorruptedWebSocketFrameException || cause instanceof TooLongFrameException) {
                // Netty's text names its own limit; say which property sets it.
                return "stream-sea sent a WebSocket message over max-frame-size (" + this.settings.maxFrameSize()
                        + " bytes); it was dropped with its connection";
            }
        }
        return (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
    }

    private static final class Route {

        final LogicalSubscription subscription;

        boolean acked;

        Route(LogicalSubscription subscription) {
            this.subscription = subscription;
        }
    }

    /** One socket: its id counter, its routes and its authentication state. */
    private final class Session {

        private final ObjectNode authenticatePayload;

        private final Sinks.Many<WebSocketFrame> outbound = Sinks.many().unicast().onBackpressureBuffer();

        private final Sinks.Many<Object> signals = Sinks.many().unicast().onBackpressureBuffer();

        private final Map<Integer, Route> routes = new HashMap<>();

        private final Map<LogicalSubscription, Integer> sent = new HashMap<>();

        private int lastId;

        private volatile boolean authenticated;

        private volatile boolean closed;

        private volatile @Nullable Connection connection;

        private @Nullable Disposable authTimer;

        Session(ObjectNode authenticatePayload) {
            this.authenticatePayload = authenticatePayload;
        }

        Flux<Object> run(WebsocketInbound in, WebsocketOutbound out) {
            in.withConnection((c) -> this.connection = c);
            connects.incrementAndGet();
            synchronized (this) {
                send("authenticate", this.authenticatePayload, null);
            }
            this.authTimer = Mono.delay(settings.authTimeout(), Schedulers.parallel()).subscribe((tick) -> {
                if (!this.authenticated) {
                    fail(new StreamSeaException("stream-sea did not answer the authenticate frame within "
                            + settings.authTimeout()));
                }
            });
            Flux<WebSocketFrame> frames = in.aggregateFrames(settings.maxFrameSize()).receiveFrames();
            if (!settings.idleTimeout().isZero()) {
                frames = frames.timeout(settings.idleTimeout());
            }
            Mono<Void> receiving = frames.doOnNext(this::onFrame)
                .doOnError((ex) -> fail(ex))
                // Reported through the signals (once), not twice through the merge.
                .onErrorResume((ex) -> Mono.empty())
                .doOnComplete(() -> {
                    this.signals.tryEmitComplete();
                    close();
                })
                .then();
            Mono<Void> sending = out.sendObject(this.outbound.asFlux()).then();
            return Flux.<Object>merge(this.signals.asFlux(), receiving, sending);
        }

        private void onFrame(WebSocketFrame frame) {
            lastFrameAt = Instant.now();
            if (frame instanceof PingWebSocketFrame) {
                synchronized (this) {
                    this.outbound.tryEmitNext(new PongWebSocketFrame(frame.content().retain()));
                }
                return;
            }
            if (frame instanceof BinaryWebSocketFrame) {
                skip("a binary frame", frame.content().readableBytes());
                return;
            }
            if (!(frame instanceof TextWebSocketFrame text)) {
                return;
            }
            String body = text.text();
            JsonNode message;
            try {
                message = json.readTree(body);
            }
            catch (JacksonException ex) {
                skip("a frame that is not JSON", body.length());
                return;
            }
            if (!message.isObject()) {
                skip("a JSON frame that is not an object", body.length());
                return;
            }
            JsonNode id = message.get("id");
            if (id == null || !id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() == 0) {
                skip("a frame without an integer id", body.length());
                return;
            }
            int frameId = id.asInt();
            if (frameId == 1) {
                onAuthenticateAnswer(message);
                return;
            }
            Route route;
            synchronized (this) {
                route = this.routes.get(frameId);
            }
            if (route == null) {
                skip("a frame with an unknown id", body.length());
                return;
            }
            if (!route.acked && message.has("success")) {
                route.acked = true;
                if (!message.path("success").asBoolean(false)) {
                    String reason = errorMessage(message);
                    logger.warn("stream-sea refused the subscription to '{}': {}", route.subscription.stream, reason);
                    // The subscription stays registered: it is sent again on the next connection.
                    errors.tryEmitNext(new StreamSeaException("stream-sea refused the subscription to '"
                            + route.subscription.stream + "'" + (reason != null ? ": " + reason : "")));
                }
                return;
            }
            route.acked = true;
            if (route.subscription.cancelled) {
                return;
            }
            received.incrementAndGet();
            JsonNode payload = message.get("payload");
            route.subscription.sink.tryEmitNext(payload != null ? payload : json.nullNode());
        }

        private void onAuthenticateAnswer(JsonNode message) {
            if (this.authenticated) {
                skip("a second answer to authenticate", message.toString().length());
                return;
            }
            if (message.path("success").asBoolean(false)) {
                synchronized (this) {
                    this.authenticated = true;
                    for (LogicalSubscription subscription : subscriptions) {
                        subscribeIfAuthenticated(subscription);
                    }
                }
                lastError = null;
                consecutiveFailures.set(0);
                connectionChanged(true, null, true);
                logger.info("Connected to stream-sea as '{}' with {} subscription(s)", settings.clientId(),
                        this.sent.size());
                this.signals.tryEmitNext(AUTHENTICATED);
                return;
            }
            fail(new StreamSeaAuthenticationException(errorMessage(message), 0));
        }

        /** Sends the subscribe frame once per socket; before authentication the flush after the ack does it. */
        synchronized void subscribeIfAuthenticated(LogicalSubscription subscription) {
            if (!this.authenticated || this.closed || subscription.cancelled || this.sent.containsKey(subscription)) {
                return;
            }
            int id = send("subscribe", json.stringNode(subscription.stream), subscription.mode.nextGroupId());
            this.sent.put(subscription, id);
            this.routes.put(id, new Route(subscription));
        }

        /** Must hold the lock: ids follow send order. */
        private int send(String action, JsonNode payload, @Nullable String groupId) {
            int id = ++this.lastId;
            ObjectNode frame = json.createObjectNode();
            frame.put("id", id);
            frame.put("action", action);
            frame.set("payload", payload);
            if (groupId != null) {
                // Left out entirely when absent: the server may refuse "groupId":null.
                frame.put("groupId", groupId);
            }
            this.outbound.tryEmitNext(new TextWebSocketFrame(Unpooled.wrappedBuffer(
                    json.writeValueAsString(frame).getBytes(StandardCharsets.UTF_8))));
            return id;
        }

        private void fail(Throwable ex) {
            // Signal first (closing may complete the inbound inline), then close: nothing more is sent.
            this.signals.tryEmitError(ex);
            close();
        }

        void close() {
            if (this.closed) {
                return;
            }
            this.closed = true;
            Disposable timer = this.authTimer;
            if (timer != null) {
                timer.dispose();
            }
            synchronized (this) {
                this.outbound.tryEmitComplete();
            }
            Connection c = this.connection;
            if (c != null) {
                c.dispose();
            }
        }

        private void skip(String what, int length) {
            malformed.incrementAndGet();
            logger.warn("stream-sea sent {}; skipped it ({} characters)", what, length);
        }

        private @Nullable String errorMessage(JsonNode message) {
            JsonNode error = message.path("error");
            if (error.isObject() && error.path("message").isString()) {
                return error.path("message").asString();
            }
            return error.isString() ? error.asString() : null;
        }
    }
}
