package dev.iotspring.test.stellmap;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.test.stellmap.RegistryState.Mode;
import dev.iotspring.test.stellmap.RegistryState.Watcher;
import dev.iotspring.test.stellmap.StellMapEmulator.Endpoint;
import dev.iotspring.test.stellmap.StellMapEmulator.Instance;

import static dev.iotspring.test.stellmap.RegistryState.JSON;

/**
 * The HTTP side of a StellMap node: records every request, applies the {@link FaultSwitches}, routes exactly as
 * {@code http.ServeMux} does (405 plain text for a wrong method, 404 plain text for unknown paths) and answers
 * with the server's envelopes; the watch answers an SSE stream fed by {@link RegistryState}.
 */
final class RegistryHandlers {

    static final String BASE = "/api/v1/registry/";

    private static final long DEFAULT_TTL = 30;

    private final RegistryState state;

    private final FaultSwitches faults;

    private final int nodeId;

    private final Supplier<String> address;

    private final Duration keepaliveInterval;

    private final String keepaliveComment;

    private final boolean initialPing;

    final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();

    volatile @Nullable Consumer<RecordedRequest> requestListener;

    RegistryHandlers(RegistryState state, FaultSwitches faults, int nodeId, Supplier<String> address,
            Duration keepaliveInterval, String keepaliveComment, boolean initialPing) {
        this.state = state;
        this.faults = faults;
        this.nodeId = nodeId;
        this.address = address;
        this.keepaliveInterval = keepaliveInterval;
        this.keepaliveComment = keepaliveComment;
        this.initialPing = initialPing;
    }

    Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        QueryStringDecoder decoder = new QueryStringDecoder(request.uri());
        String path = decoder.path();
        Map<String, String> headers = new LinkedHashMap<>();
        request.requestHeaders().forEach((e) -> headers.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
        return request.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("").flatMapMany((body) -> {
            RecordedRequest recorded = new RecordedRequest(request.method().name(), path,
                    Collections.unmodifiableMap(new LinkedHashMap<>(decoder.parameters())), headers, body,
                    this.state.now());
            this.requests.add(recorded);
            Mono<Void> before = Mono.empty();
            Consumer<RecordedRequest> listener = this.requestListener;
            if (listener != null) {
                before = Mono.<Void>fromRunnable(() -> listener.accept(recorded))
                    .subscribeOn(Schedulers.boundedElastic());
            }
            Duration delay = this.faults.responseDelay;
            if (!delay.isZero()) {
                before = before.then(Mono.delay(delay).then());
            }
            if (path.equals(BASE + "watch")) {
                before = before.then(Mono.defer(this.faults::watchGate));
            }
            return before.thenMany(Flux.defer(() -> {
                FaultSwitches.RawAnswer canned = this.faults.cannedAnswer(path);
                if (canned != null) {
                    return response.status(canned.status()).header("Content-Type", canned.contentType())
                        .sendString(Mono.just(canned.body()));
                }
                return route(request.method(), path, recorded, response);
            }));
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
                if (this.state.mode == Mode.LEADER) {
                    data.put("leaderId", this.nodeId).put("leaderAddr", this.address.get());
                }
                else if (this.state.mode == Mode.FOLLOWER) {
                    data.put("leaderId", this.state.leaderId).put("leaderAddr", this.state.leaderAddr);
                }
                return reply(response, Reply.ok(null, data));
            }
            case "/readyz" -> {
                if (this.state.mode == Mode.NO_LEADER) {
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

    private static Publisher<Void> methodNotAllowed(HttpServerResponse response, String allow) {
        return response.status(405).header("Allow", allow).header("Content-Type", "text/plain; charset=utf-8")
            .sendString(Mono.just("method not allowed\n"));
    }

    private static Publisher<Void> reply(HttpServerResponse response, Reply reply) {
        return response.status(reply.status).header("Content-Type", "application/json")
            .sendString(Mono.just(JSON.writeValueAsString(reply.body) + "\n"));
    }

    // ---------------------------------------------------------------- writes

    private Reply write(String operation, String body) {
        try {
            ObjectNode json = RequestDecoder.decodeStrict(body, this.faults.allowed(operation.equals("register")
                    ? RequestDecoder.REGISTER_KEYS
                    : operation.equals("heartbeat") ? RequestDecoder.HEARTBEAT_KEYS : RequestDecoder.IDENTITY_KEYS));
            String[] identity = RequestDecoder.identity(json);
            long ttl = operation.equals("deregister") ? 0 : RequestDecoder.ttl(json);
            Instance registration = operation.equals("register") ? registration(identity, json, ttl) : null;
            RequestDecoder.requireIdentity(identity);
            Reply notLeader = leaderCheck();
            if (notLeader != null) {
                return notLeader;
            }
            return switch (operation) {
                case "register" -> {
                    this.state.register(registration);
                    yield Reply.ok("instance registered", null);
                }
                case "heartbeat" -> this.state.heartbeat(identity[0], identity[1], identity[2], ttl)
                        ? Reply.ok("heartbeat accepted", null) : Reply.error(404, "not_found", "instance not found");
                default -> {
                    this.state.deregister(identity[0], identity[1], identity[2]);
                    yield Reply.ok("instance deregistered", null);
                }
            };
        }
        catch (EmulatorFilter.BadRequest ex) {
            return Reply.error(400, "bad_request", ex.getMessage());
        }
    }

    private Instance registration(String[] identity, ObjectNode json, long ttl) {
        Map<String, String> labels = RequestDecoder.stringMap(json, "labels");
        Map<String, String> metadata = RequestDecoder.stringMap(json, "metadata");
        List<Endpoint> endpoints = RequestDecoder.endpoints(json);
        long now = this.state.nowSeconds();
        return new Instance(identity[0], identity[1], identity[2], RequestDecoder.text(json, "zone"), labels,
                metadata, endpoints, ttl == 0 ? DEFAULT_TTL : ttl, now, now);
    }

    private @Nullable Reply leaderCheck() {
        if (this.state.mode == Mode.FOLLOWER) {
            ObjectNode body = JSON.createObjectNode().put("code", "not_leader")
                .put("message", "current node is not leader, leaderId=" + this.state.leaderId + " leaderAddr="
                        + this.state.leaderAddr)
                .put("leaderId", this.state.leaderId)
                .put("leaderAddr", this.state.leaderAddr);
            return new Reply(503, body);
        }
        if (this.state.mode == Mode.NO_LEADER) {
            return Reply.error(503, "not_leader", "current node is not leader, leaderId=0 leaderAddr=");
        }
        if (this.faults.failNextWrite()) {
            return Reply.error(500, "propose_failed", "propose registry command: context deadline exceeded");
        }
        return null;
    }

    // ---------------------------------------------------------------- reads

    private Reply query(Map<String, List<String>> query) {
        try {
            EmulatorFilter filter = EmulatorFilter.parse(query);
            ArrayNode data = JSON.createArrayNode();
            for (Instance instance : this.state.matching(filter)) {
                data.add(instance.toJson());
            }
            return Reply.ok(null, data);
        }
        catch (EmulatorFilter.BadRequest ex) {
            return Reply.error(400, "bad_request", ex.getMessage());
        }
    }

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
            includeSnapshot = (snapshotText == null) || RequestDecoder.parseBool(snapshotText);
        }
        catch (EmulatorFilter.BadRequest ex) {
            return reply(response, Reply.error(400, "bad_request", ex.getMessage()));
        }
        Watcher watcher;
        try {
            watcher = this.state.open(filter, since, includeSnapshot);
        }
        catch (IllegalStateException ex) {
            // A stopping node: the connection drops without an answer.
            response.withConnection(reactor.netty.DisposableChannel::dispose);
            return Mono.never();
        }
        if (watcher == null) {
            return reply(response, Reply.error(410, "revision_expired", "watch revision is no longer retained"));
        }
        List<String> initial = new ArrayList<>(watcher.initial);
        if (initial.isEmpty() && this.initialPing) {
            initial.add(": ping\n\n");
        }
        Flux<String> keepalive = Flux.interval(this.keepaliveInterval).map((tick) -> ": " + this.keepaliveComment + "\n\n");
        Flux<String> frames = Flux.concat(Flux.fromIterable(initial), Flux.merge(watcher.sink.asFlux(), keepalive)
            .takeUntilOther(watcher.ended.asMono()))
            .doFinally((signal) -> this.state.watchers().remove(watcher));
        response.withConnection((connection) -> watcher.connection = connection);
        Flux<String> chunks = frames.concatMap((frame) -> this.faults.splitFrames ? split(frame) : Flux.just(frame));
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
}
