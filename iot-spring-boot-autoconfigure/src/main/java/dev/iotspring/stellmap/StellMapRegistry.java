package dev.iotspring.stellmap;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import reactor.core.publisher.Flux;

/**
 * The StellMap service registry as an application uses it: register, heartbeat, deregister and query (each a
 * blocking call named by the action plus an {@code …Async} form returning a {@link CompletableFuture}), watch
 * (a {@link Flux} of changes), and a watch-fed local cache of instances per service.
 *
 * <p>The auto-configuration contributes {@link StellMapHttpRegistry} and backs off when the application declares
 * its own bean of this type (a stub in the application's tests, for example).
 *
 * <p>Errors: an argument the registry could not accept (a {@code /} or whitespace in a namespace, service or
 * instance id, a TTL under one second) throws {@link StellMapValidationException} at once, nothing sent. Server
 * answers become {@link StellMapException} subtypes ({@link StellMapNotFoundException},
 * {@link StellMapBadRequestException}, {@link StellMapNotLeaderException}, {@link StellMapUnreachableException} when
 * no node answered within the request timeout); the blocking forms throw them, the async forms fail the future.
 */
public interface StellMapRegistry {

    /** Registers (or re-registers) an instance; blocks at most the request timeout. */
    void register(RegisterRequest request);

    /** Registers (or re-registers) an instance; the future completes when the leader stored it. */
    CompletableFuture<Void> registerAsync(RegisterRequest request);

    /** Renews a lease. Throws {@link StellMapNotFoundException} when the server forgot the instance. */
    void heartbeat(HeartbeatRequest request);

    /** Renews a lease; fails with {@link StellMapNotFoundException} when the server forgot the instance. */
    CompletableFuture<Void> heartbeatAsync(HeartbeatRequest request);

    /** Removes an instance; idempotent. */
    void deregister(DeregisterRequest request);

    /** Removes an instance; idempotent. */
    CompletableFuture<Void> deregisterAsync(DeregisterRequest request);

    /** Live instances matching the query, in the server's order (service, then instance id). */
    List<ServiceInstance> queryInstances(InstanceQuery query);

    /** Live instances matching the query, in the server's order (service, then instance id). */
    CompletableFuture<List<ServiceInstance>> queryInstancesAsync(InstanceQuery query);

    /**
     * Instances of one service of the configured namespace from the watch-fed cache. The first call for a
     * service starts its watch and waits (at most the request timeout) for the snapshot; later calls answer
     * from memory.
     */
    List<ServiceInstance> cachedInstances(String service);

    /** {@link #cachedInstances(String)} without blocking: completes once the service's first snapshot arrived. */
    CompletableFuture<List<ServiceInstance>> cachedInstancesAsync(String service);

    /** Services whose instances are cached (watched) so far. */
    Set<String> cachedServices();

    /**
     * Emits the revision of every change of the cache (a snapshot, a new or changed instance, a removal);
     * heartbeats that change nothing are not emitted. Hot: only changes after subscribing are seen.
     */
    Flux<Long> cacheChanges();

    /**
     * Watches instances matching the options. The stream resumes by revision after a disconnect (asking for a
     * snapshot should the node no longer hold the history), rebuilds from a snapshot after {@code 410}, tolerates
     * keepalive-only idle periods up to the watch idle timeout, skips frames it cannot read, and ends only when
     * cancelled or on {@code 400 bad_request} (with {@link StellMapBadRequestException}).
     */
    Flux<WatchEvent> watch(WatchOptions options);

    /** Namespace of {@link #cachedInstances(String)}. */
    String namespace();

    /** Whether the last request or watch reached a StellMap node (false before the first one). */
    boolean isConnected();

    /** Instances held by the cache, over all services. */
    int cacheSize();

    /** Watch streams re-opened since start (after an end, an error or a 410 rebuild). */
    long watchReconnects();

    /** Watch frames skipped because their data could not be read (not JSON, not an object). */
    long skippedWatchFrames();
}
