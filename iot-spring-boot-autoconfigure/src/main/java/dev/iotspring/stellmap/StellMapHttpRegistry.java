package dev.iotspring.stellmap;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;

import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.core.event.IotEventPublisher;
import dev.iotspring.core.http.HttpClientSettings;
import dev.iotspring.core.http.IotWebClients;
import dev.iotspring.core.observation.IotObservations;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;

/**
 * {@link StellMapRegistry} over the registry's public HTTP/JSON API and its SSE watch, with Reactor Netty's
 * {@link WebClient}: the name says what it talks, the interface is what applications inject and stub.
 *
 * <p>Writes go to the leader: a {@code not_leader} answer is retried once at the leader it names, which is then
 * used for later writes; reads and watches go to any node, the next one when a node cannot be reached. A blocking
 * call waits at most the request timeout per node tried. Whether a node answers is reported as
 * {@code IotConnectionStateChangedEvent}s (platform {@code stellmap}) through the publisher given, on change only.
 */
public class StellMapHttpRegistry implements StellMapRegistry, AutoCloseable {

    static final String API = "/api/v1/registry/";

    /**
     * Largest answer or SSE frame read. The server sets no limit, and a query answer or a snapshot holds every
     * instance of its scope, so Spring's default of 256 KB is far too small; this still bounds what a broken
     * server or proxy can make the client buffer.
     */
    static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;

    private static final Logger logger = LoggerFactory.getLogger(StellMapHttpRegistry.class);

    private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE = new ParameterizedTypeReference<>() {
    };

    private final StellMapClientSettings settings;

    private final String namespace;

    private final WebClient requests;

    private final WebClient watches;

    private final Duration requestTimeout;

    private final @Nullable IotEventPublisher events;

    private final AtomicReference<@Nullable URI> leader = new AtomicReference<>();

    private final AtomicInteger readServer = new AtomicInteger();

    private final AtomicLong watchReconnects = new AtomicLong();

    private final AtomicLong skippedWatchFrames = new AtomicLong();

    private final AtomicBoolean connected = new AtomicBoolean();

    private final InstanceCache cache;

    private IotObservations observations = IotObservations.disabled();

    /**
     * @param builder Boot's prototype builder (cloned, so the application's customizers apply)
     * @param settings servers, timeouts, headers, TLS
     * @param namespace namespace of {@link #cachedInstances(String)}
     */
    public StellMapHttpRegistry(WebClient.Builder builder, StellMapClientSettings settings, String namespace) {
        this(builder, settings, namespace, null);
    }

    /**
     * @param builder Boot's prototype builder (cloned, so the application's customizers apply)
     * @param settings servers, timeouts, headers, TLS
     * @param namespace namespace of {@link #cachedInstances(String)}
     * @param events publishes {@code IotConnectionStateChangedEvent} when a node answers after none did, and when
     *     none answers after one did; {@code null} publishes nothing
     */
    public StellMapHttpRegistry(WebClient.Builder builder, StellMapClientSettings settings, String namespace,
            @Nullable IotEventPublisher events) {
        this.settings = settings;
        this.namespace = Identifiers.check(namespace, "namespace");
        this.events = events;
        HttpClientSettings http = settings.http();
        WebClient.Builder large = builder.clone()
            .codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(MAX_ANSWER_BYTES));
        this.requests = IotWebClients.build(large, http);
        // For a stream, Reactor Netty's response timeout is the longest silence between two reads.
        this.watches = IotWebClients.build(large, new HttpClientSettings(http.baseUrl(), http.connectTimeout(),
                settings.watchIdleTimeout(), http.defaultHeaders(), http.sslBundle()));
        this.requestTimeout = http.connectTimeout().plus(http.responseTimeout());
        this.cache = new InstanceCache(this, namespace, this.requestTimeout);
    }

    // ------------------------------------------------------------------ writes

    @Override
    public void register(RegisterRequest request) {
        block(write("register", StellMapWire.register(request)));
    }

    @Override
    public CompletableFuture<Void> registerAsync(RegisterRequest request) {
        return write("register", StellMapWire.register(request)).toFuture();
    }

    @Override
    public void heartbeat(HeartbeatRequest request) {
        block(write("heartbeat", StellMapWire.heartbeat(request)));
    }

    @Override
    public CompletableFuture<Void> heartbeatAsync(HeartbeatRequest request) {
        return write("heartbeat", StellMapWire.heartbeat(request)).toFuture();
    }

    @Override
    public void deregister(DeregisterRequest request) {
        block(write("deregister", StellMapWire.deregister(request)));
    }

    @Override
    public CompletableFuture<Void> deregisterAsync(DeregisterRequest request) {
        return write("deregister", StellMapWire.deregister(request)).toFuture();
    }

    // ------------------------------------------------------------------ reads

    @Override
    public List<ServiceInstance> queryInstances(InstanceQuery query) {
        List<ServiceInstance> result = block(query(query));
        return (result != null) ? result : List.of();
    }

    @Override
    public CompletableFuture<List<ServiceInstance>> queryInstancesAsync(InstanceQuery query) {
        return query(query).toFuture();
    }

    Mono<List<ServiceInstance>> query(InstanceQuery query) {
        return read((server) -> exchange(this.requests.get().uri(uri(server, "instances", query, -1, null)))
            .map(StellMapWire::instances));
    }

    @Override
    public List<ServiceInstance> cachedInstances(String service) {
        return this.cache.instances(service);
    }

    @Override
    public CompletableFuture<List<ServiceInstance>> cachedInstancesAsync(String service) {
        return this.cache.instancesAsync(service).toFuture();
    }

    @Override
    public Set<String> cachedServices() {
        return this.cache.services();
    }

    @Override
    public Flux<Long> cacheChanges() {
        return this.cache.changes();
    }

    @Override
    public int cacheSize() {
        return this.cache.size();
    }

    // ------------------------------------------------------------------ watch

    @Override
    public Flux<WatchEvent> watch(WatchOptions options) {
        return this.observations.receive(watchUnobserved(options), "service",
                (event) -> (event.service() != null) ? event.service() : event.namespace(),
                (event) -> Long.toString(event.revision()));
    }

    /** Observes each watch event handed to a subscriber when {@code iot.stellmap.observation-enabled}. */
    public void setObservations(IotObservations observations) {
        this.observations = Objects.requireNonNull(observations, "observations");
    }

    private Flux<WatchEvent> watchUnobserved(WatchOptions options) {
        RetryBackoff backoff = this.settings.reconnect();
        return Flux.defer(() -> {
            WatchCursor cursor = new WatchCursor(options.sinceRevision(), options.includeSnapshot());
            return Flux.defer(() -> connect(options.query(), cursor))
                .onErrorResume(StellMapRevisionExpiredException.class, (ex) -> {
                    logger.info("Watch revision {} is no longer retained; rebuilding from a snapshot", cursor.revision);
                    cursor.revision = 0;
                    cursor.includeSnapshot = true;
                    cursor.rebuild = true;
                    return Mono.empty();
                })
                .repeatWhen((ends) -> ends.concatMap((n) -> {
                    this.watchReconnects.incrementAndGet();
                    // A rebuild after 410 goes at once; a stream the server ended waits a little, so a node or
                    // proxy that keeps closing streams is not hammered.
                    boolean now = cursor.rebuild;
                    cursor.rebuild = false;
                    return Mono.delay(now ? Duration.ZERO : backoff.initial());
                }))
                .retryWhen(Retry.from((signals) -> signals.concatMap((signal) -> {
                    Throwable failure = signal.failure();
                    if (failure instanceof StellMapBadRequestException) {
                        return Mono.error(failure);
                    }
                    this.watchReconnects.incrementAndGet();
                    if (failure instanceof StellMapUnreachableException) {
                        reachable(false, failure);
                        // Another node may serve the watch.
                        this.readServer.incrementAndGet();
                    }
                    logger.debug("Watch interrupted ({}); reconnecting after revision {}", failure.toString(),
                            cursor.revision);
                    return Mono.delay(backoff.delay((int) Math.min(Integer.MAX_VALUE, signal.totalRetriesInARow() + 1)));
                })));
        });
    }

    private Flux<WatchEvent> connect(InstanceQuery query, WatchCursor cursor) {
        URI server = readServer();
        URI uri = uri(server, "watch", query, cursor.revision, cursor.includeSnapshot);
        return this.watches.get().uri(uri).accept(MediaType.TEXT_EVENT_STREAM)
            .header("X-StellMap-Caller-Namespace", this.namespace)
            .exchangeToFlux((response) -> {
                if (response.statusCode().is2xxSuccessful()) {
                    reachable(true, null);
                    return response.bodyToFlux(SSE);
                }
                return response.bodyToMono(String.class).defaultIfEmpty("")
                    .flatMapMany((body) -> Flux.error(StellMapWire.failure(response.statusCode().value(), body)));
            })
            .onErrorMap(WebClientRequestException.class, StellMapHttpRegistry::unreachable)
            .concatMap((sse) -> {
                // Comments (keepalives) carry no data; unknown event names are skipped by the parser.
                if (sse.data() == null || sse.data().isBlank()) {
                    return Mono.empty();
                }
                WatchEvent event;
                try {
                    event = StellMapWire.event(sse.event(), sse.data());
                }
                catch (RuntimeException ex) {
                    this.skippedWatchFrames.incrementAndGet();
                    logger.warn("Skipping a watch frame whose data is not a JSON object (id {}, {} characters)",
                            sse.id(), sse.data().length());
                    return Mono.empty();
                }
                if (event == null || event.revision() > 0 && event.revision() <= cursor.revision
                        && event.type() != WatchEvent.Type.SNAPSHOT) {
                    return Mono.empty();
                }
                cursor.revision = Math.max(cursor.revision, event.revision());
                // A resume that the node cannot serve from history must rebuild, not fail.
                cursor.includeSnapshot = true;
                return Mono.just(event);
            });
    }

    @Override
    public long watchReconnects() {
        return this.watchReconnects.get();
    }

    @Override
    public long skippedWatchFrames() {
        return this.skippedWatchFrames.get();
    }

    @Override
    public boolean isConnected() {
        return this.connected.get();
    }

    @Override
    public String namespace() {
        return this.namespace;
    }

    /**
     * Closes the cache's watch streams (the cache then starts them again on demand). The auto-configuration calls
     * it in the connection phase of shutdown, after deregistration and the drains.
     */
    public void stopCacheWatches() {
        this.cache.reset();
    }

    @Override
    public void close() {
        this.cache.close();
    }

    // ------------------------------------------------------------------ plumbing

    private Mono<Void> write(String operation, String body) {
        return Mono.defer(() -> {
            List<URI> candidates = new ArrayList<>();
            URI known = this.leader.get();
            if (known != null) {
                candidates.add(known);
            }
            candidates.addAll(this.settings.serverUrls());
            return attemptWrite(new ArrayList<>(new LinkedHashSet<>(candidates)), 0, operation, body, true);
        }).then();
    }

    private Mono<JsonNode> attemptWrite(List<URI> candidates, int index, String operation, String body,
            boolean mayFollowLeader) {
        URI target = candidates.get(index);
        return post(target, operation, body)
            .onErrorResume(StellMapNotLeaderException.class, (ex) -> {
                if (!mayFollowLeader || ex.getLeaderAddr() == null) {
                    return Mono.error(ex);
                }
                URI leaderUri = leaderUri(target, ex.getLeaderAddr());
                logger.debug("{} answered not_leader; retrying {} at {}", target, operation, leaderUri);
                return post(leaderUri, operation, body).doOnSuccess((ok) -> this.leader.set(leaderUri));
            })
            .onErrorResume(StellMapUnreachableException.class, (ex) -> {
                if (target.equals(this.leader.get())) {
                    this.leader.set(null);
                }
                if (index + 1 >= candidates.size()) {
                    reachable(false, ex);
                    return Mono.error(ex);
                }
                return attemptWrite(candidates, index + 1, operation, body, mayFollowLeader);
            });
    }

    private Mono<JsonNode> post(URI server, String operation, String body) {
        URI uri = URI.create(server.toString().replaceAll("/+$", "") + API + operation);
        return exchange(this.requests.post().uri(uri).contentType(MediaType.APPLICATION_JSON).bodyValue(body));
    }

    private Mono<JsonNode> exchange(WebClient.RequestHeadersSpec<?> spec) {
        return spec.exchangeToMono((response) -> response.bodyToMono(String.class).defaultIfEmpty("")
            .map((text) -> {
                JsonNode data = StellMapWire.data(response.statusCode().value(), text);
                reachable(true, null);
                return data;
            })
            .doOnError(StellMapException.class, (ex) -> {
                if (!(ex instanceof StellMapUnreachableException)) {
                    // A StellMap node answered, if with an error.
                    reachable(true, null);
                }
            }))
            .onErrorMap(WebClientRequestException.class, StellMapHttpRegistry::unreachable)
            .onErrorMap(DataBufferLimitException.class, (ex) -> new StellMapException(0, "answer_too_large",
                    "an answer exceeded " + MAX_ANSWER_BYTES + " bytes", ex))
            .timeout(this.requestTimeout, Mono.error(() -> new StellMapUnreachableException(
                    "no answer within " + this.requestTimeout, null)));
    }

    private <T> Mono<T> read(Function<URI, Mono<T>> call) {
        return Mono.defer(() -> readAttempt(call, 0));
    }

    private <T> Mono<T> readAttempt(Function<URI, Mono<T>> call, int attempt) {
        return call.apply(readServer()).onErrorResume(StellMapUnreachableException.class, (ex) -> {
            this.readServer.incrementAndGet();
            if (attempt + 1 < this.settings.serverUrls().size()) {
                return readAttempt(call, attempt + 1);
            }
            reachable(false, ex);
            return Mono.error(ex);
        });
    }

    private URI readServer() {
        List<URI> servers = this.settings.serverUrls();
        return servers.get(Math.floorMod(this.readServer.get(), servers.size()));
    }

    /** Records whether a node answered; publishes a connection event when that changed. */
    private void reachable(boolean reached, @Nullable Throwable cause) {
        this.connected.set(reached);
        if (this.events != null) {
            // The registry keeps trying: heartbeats, reads and watches go on, on every node in turn.
            this.events.connectionChanged(this, reached, cause, true);
        }
    }

    private static StellMapUnreachableException unreachable(WebClientRequestException ex) {
        return new StellMapUnreachableException(ex.getMessage(), ex);
    }

    static URI leaderUri(URI current, String leaderAddr) {
        if (leaderAddr.startsWith("http://") || leaderAddr.startsWith("https://")) {
            return URI.create(leaderAddr);
        }
        return URI.create(current.getScheme() + "://" + leaderAddr);
    }

    private static URI uri(URI server, String operation, InstanceQuery query, long sinceRevision,
            @Nullable Boolean includeSnapshot) {
        StringBuilder params = new StringBuilder();
        java.util.function.BiConsumer<String, String> add = (name, value) -> params.append(params.isEmpty() ? "" : "&")
            .append(name).append('=').append(java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8));
        query.forEachParam(add);
        if (sinceRevision > 0) {
            add.accept("sinceRevision", Long.toUnsignedString(sinceRevision));
        }
        if (includeSnapshot != null) {
            add.accept("includeSnapshot", includeSnapshot.toString());
        }
        // Form encoding of every value: selectors hold '=', ',' and spaces, and Go reads a raw '+' as a space.
        String base = server.toString().replaceAll("/+$", "");
        return URI.create(base + API + operation + "?" + params);
    }

    /** Each attempt on a node is bounded by the request timeout, so this waits at most that per node tried. */
    private static <T> @Nullable T block(Mono<T> mono) {
        return mono.block();
    }

    private static final class WatchCursor {

        volatile long revision;

        volatile boolean includeSnapshot;

        volatile boolean rebuild;

        WatchCursor(long revision, boolean includeSnapshot) {
            this.revision = revision;
            this.includeSnapshot = includeSnapshot;
        }
    }
}
