package dev.iotspring.stellmap;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;

import dev.iotspring.core.http.HttpClientSettings;
import dev.iotspring.core.http.IotWebClients;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;

/**
 * Client of the StellMap registry API: register, heartbeat, deregister, query and watch, plus a watch-fed local
 * cache of instances per service ({@link #cachedInstances(String)}).
 *
 * <p>Every operation has a reactive form ({@code *Async}, {@link #watch}) and the write/query operations a
 * blocking form bounded by the request timeout. Server error codes become {@link StellMapException} subtypes;
 * a {@code not_leader} answer is retried once at the leader it names, which is then used for later writes.
 */
public class StellMapRegistry implements AutoCloseable {

    static final String API = "/api/v1/registry/";

    private static final Logger logger = LoggerFactory.getLogger(StellMapRegistry.class);

    private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE = new ParameterizedTypeReference<>() {
    };

    private final StellMapClientSettings settings;

    private final String namespace;

    private final WebClient requests;

    private final WebClient watches;

    private final Duration requestTimeout;

    private final AtomicReference<@Nullable URI> leader = new AtomicReference<>();

    private final AtomicInteger readServer = new AtomicInteger();

    private final AtomicLong watchReconnects = new AtomicLong();

    private final AtomicReference<@Nullable Boolean> reachable = new AtomicReference<>();

    private final InstanceCache cache;

    /**
     * @param builder Boot's prototype builder (cloned, so the application's customizers apply)
     * @param settings servers, timeouts, headers, TLS
     * @param namespace namespace of {@link #cachedInstances(String)}
     */
    public StellMapRegistry(WebClient.Builder builder, StellMapClientSettings settings, String namespace) {
        this.settings = settings;
        this.namespace = Identifiers.check(namespace, "namespace");
        HttpClientSettings http = settings.http();
        this.requests = IotWebClients.build(builder, http);
        this.watches = IotWebClients.build(builder, new HttpClientSettings(http.baseUrl(), http.connectTimeout(),
                settings.watchIdleTimeout(), http.defaultHeaders(), http.sslBundle()));
        this.requestTimeout = http.connectTimeout().plus(http.responseTimeout());
        this.cache = new InstanceCache(this, namespace, this.requestTimeout);
    }

    // ------------------------------------------------------------------ writes

    /** Registers (or re-registers) an instance; blocks at most the request timeout. */
    public void register(RegisterRequest request) {
        block(registerAsync(request));
    }

    public Mono<Void> registerAsync(RegisterRequest request) {
        return write("register", StellMapWire.register(request));
    }

    /** Renews a lease. Throws {@link StellMapNotFoundException} when the server forgot the instance. */
    public void heartbeat(HeartbeatRequest request) {
        block(heartbeatAsync(request));
    }

    public Mono<Void> heartbeatAsync(HeartbeatRequest request) {
        return write("heartbeat", StellMapWire.heartbeat(request));
    }

    /** Removes an instance; idempotent. */
    public void deregister(DeregisterRequest request) {
        block(deregisterAsync(request));
    }

    public Mono<Void> deregisterAsync(DeregisterRequest request) {
        return write("deregister", StellMapWire.deregister(request));
    }

    // ------------------------------------------------------------------ reads

    /** Live instances matching the query, in the server's order (service, then instance id). */
    public List<ServiceInstance> queryInstances(InstanceQuery query) {
        List<ServiceInstance> result = block(queryInstancesAsync(query));
        return (result != null) ? result : List.of();
    }

    public Mono<List<ServiceInstance>> queryInstancesAsync(InstanceQuery query) {
        return read((server) -> exchange(this.requests.get().uri(uri(server, "instances", query, -1, null)))
            .map(StellMapWire::instances));
    }

    /**
     * Instances of one service of the configured namespace from the watch-fed cache. The first call for a
     * service starts its watch and waits (at most the request timeout) for the snapshot; later calls answer
     * from memory.
     */
    public List<ServiceInstance> cachedInstances(String service) {
        return this.cache.instances(service);
    }

    public Mono<List<ServiceInstance>> cachedInstancesAsync(String service) {
        return this.cache.instancesAsync(service);
    }

    /** Services whose instances are cached (watched) so far. */
    public Set<String> cachedServices() {
        return this.cache.services();
    }

    /**
     * Emits the revision of every change of the cache (a snapshot, a new or changed instance, a removal);
     * heartbeats that change nothing are not emitted. Hot: only changes after subscribing are seen.
     */
    public Flux<Long> cacheChanges() {
        return this.cache.changes();
    }

    /** Instances held by the cache, over all services. */
    public int cacheSize() {
        return this.cache.size();
    }

    // ------------------------------------------------------------------ watch

    /**
     * Watches instances matching the options. The stream resumes by revision after a disconnect (asking for a
     * snapshot should the node no longer hold the history), rebuilds from a snapshot after {@code 410}, tolerates
     * keepalive-only idle periods up to the watch idle timeout, and ends only when cancelled or on
     * {@code 400 bad_request}.
     */
    public Flux<WatchEvent> watch(WatchOptions options) {
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
                    return Mono.delay(now ? Duration.ZERO : this.settings.reconnectMinBackoff());
                }))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, this.settings.reconnectMinBackoff())
                    .maxBackoff(this.settings.reconnectMaxBackoff())
                    .transientErrors(true)
                    .filter((ex) -> !(ex instanceof StellMapBadRequestException))
                    .doBeforeRetry((signal) -> {
                        this.watchReconnects.incrementAndGet();
                        if (signal.failure() instanceof StellMapUnreachableException) {
                            // Another node may serve the watch.
                            this.readServer.incrementAndGet();
                        }
                        logger.debug("Watch interrupted ({}); reconnecting after revision {}",
                                signal.failure().toString(), cursor.revision);
                    }));
        });
    }

    private Flux<WatchEvent> connect(InstanceQuery query, WatchCursor cursor) {
        URI server = readServer();
        URI uri = uri(server, "watch", query, cursor.revision, cursor.includeSnapshot);
        return this.watches.get().uri(uri).accept(MediaType.TEXT_EVENT_STREAM)
            .header("X-StellMap-Caller-Namespace", this.namespace)
            .exchangeToFlux((response) -> {
                if (response.statusCode().is2xxSuccessful()) {
                    this.reachable.set(true);
                    return response.bodyToFlux(SSE);
                }
                return response.bodyToMono(String.class).defaultIfEmpty("")
                    .flatMapMany((body) -> Flux.error(StellMapWire.failure(response.statusCode().value(), body)));
            })
            .onErrorMap(WebClientRequestException.class, this::unreachable)
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
                    logger.warn("Skipping a watch frame that is not valid JSON (id {})", sse.id());
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

    /** Watch reconnects since start (ends, errors, 410 rebuilds). */
    public long watchReconnects() {
        return this.watchReconnects.get();
    }

    /**
     * Whether the last request reached a server: {@code null} before the first request, {@code false} after a
     * connection failure.
     */
    public @Nullable Boolean serverReachable() {
        return this.reachable.get();
    }

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
                this.reachable.set(true);
                return StellMapWire.data(response.statusCode().value(), text);
            }))
            .onErrorMap(WebClientRequestException.class, this::unreachable)
            .timeout(this.requestTimeout, Mono.error(() -> new StellMapUnreachableException(
                    "no answer within " + this.requestTimeout, null)));
    }

    private <T> Mono<T> read(java.util.function.Function<URI, Mono<T>> call) {
        return Mono.defer(() -> readAttempt(call, 0));
    }

    private <T> Mono<T> readAttempt(java.util.function.Function<URI, Mono<T>> call, int attempt) {
        return call.apply(readServer()).onErrorResume(StellMapUnreachableException.class, (ex) -> {
            this.readServer.incrementAndGet();
            return (attempt + 1 < this.settings.serverUrls().size()) ? readAttempt(call, attempt + 1) : Mono.error(ex);
        });
    }

    private URI readServer() {
        List<URI> servers = this.settings.serverUrls();
        return servers.get(Math.floorMod(this.readServer.get(), servers.size()));
    }

    private StellMapUnreachableException unreachable(WebClientRequestException ex) {
        this.reachable.set(false);
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

    private <T> @Nullable T block(Mono<T> mono) {
        return mono.block(this.requestTimeout.plus(this.requestTimeout));
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
