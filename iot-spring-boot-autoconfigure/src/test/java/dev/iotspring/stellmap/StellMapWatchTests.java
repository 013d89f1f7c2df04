package dev.iotspring.stellmap;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import dev.iotspring.test.stellmap.RecordedRequest;
import dev.iotspring.test.stellmap.StellMapEmulator;

import static dev.iotspring.stellmap.TestRegistries.NAMESPACE;
import static dev.iotspring.stellmap.TestRegistries.SERVICE;
import static dev.iotspring.stellmap.TestRegistries.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The SSE watch against the emulator: framing, resume, 410, idle streams, and the watch-fed cache. */
class StellMapWatchTests {

    private static final String WATCH = "/api/v1/registry/watch";

    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

    private final List<WatchEvent> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable resource : this.resources) {
            resource.close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        this.resources.add(0, resource);
        return resource;
    }

    private void watch(StellMapRegistry registry, WatchOptions options) {
        Disposable subscription = registry.watch(options).subscribe(this.events::add);
        track(subscription::dispose);
    }

    private List<WatchEvent.Type> types() {
        return this.events.stream().map(WatchEvent::type).toList();
    }

    @Test
    void parsesFramesSplitAcrossPacketsAndSkipsCommentsAndUnknownEvents() {
        StellMapEmulator stellmap = track(StellMapEmulator.start());
        StellMapRegistry registry = track(TestRegistries.registry(stellmap.url()));
        stellmap.splitFrames(true);
        watch(registry, WatchOptions.of(InstanceQuery.of(NAMESPACE, SERVICE)));
        // An empty scope: the snapshot frame has no "instances" key at all.
        await().atMost(Duration.ofSeconds(30)).until(() -> this.events.size() == 1);
        assertThat(this.events.get(0).type()).isEqualTo(WatchEvent.Type.SNAPSHOT);
        assertThat(this.events.get(0).instances()).isEmpty();

        registry.register(instance("cart-1", 8080));
        stellmap.broadcastRaw(": keepalive\n\nevent: reset\ndata: {\"revision\":1,\"type\":\"reset\"}\n\n"
                + "event: ping\ndata: {}\n\n");
        registry.deregister(new DeregisterRequest(NAMESPACE, SERVICE, "never-seen"));
        registry.register(instance("cart-2", 8081));

        await().atMost(Duration.ofSeconds(30)).until(() -> this.events.size() == 4);
        assertThat(types()).containsExactly(WatchEvent.Type.SNAPSHOT, WatchEvent.Type.UPSERT, WatchEvent.Type.DELETE,
                WatchEvent.Type.UPSERT);
        WatchEvent upsert = this.events.get(1);
        assertThat(upsert.instance()).isNotNull();
        assertThat(upsert.instance().instanceId()).isEqualTo("cart-1");
        assertThat(upsert.instance().endpoint("metrics")).hasValueSatisfying((e) -> {
            assertThat(e.port()).isEqualTo(8081);
            assertThat(e.path()).isEqualTo("/actuator/prometheus");
        });
        assertThat(this.events.get(2).instanceId()).isEqualTo("never-seen");
        assertThat(this.events).extracting(WatchEvent::revision).isSorted();
    }

    @Test
    void resumesAfterADisconnectWithSinceRevisionAndMissesNothing() {
        StellMapEmulator stellmap = track(StellMapEmulator.start());
        StellMapRegistry registry = track(TestRegistries.registry(stellmap.url()));
        registry.register(instance("cart-1", 8080));
        watch(registry, WatchOptions.of(InstanceQuery.of(NAMESPACE, SERVICE)));
        await().atMost(Duration.ofSeconds(30)).until(() -> this.events.size() == 1);
        long snapshotRevision = this.events.get(0).revision();

        // Cut the stream and hold the reconnect until the registry changed: only a resume can tell the watch.
        stellmap.holdWatches();
        stellmap.closeWatchStreams();
        await().atMost(Duration.ofSeconds(30)).until(() -> stellmap.requests(WATCH).size() == 2);
        registry.register(instance("cart-2", 8081));
        registry.deregister(new DeregisterRequest(NAMESPACE, SERVICE, "cart-1"));
        long lastChange = stellmap.revision();
        stellmap.releaseWatches();

        await().atMost(Duration.ofSeconds(30)).until(() -> this.events.size() >= 3);
        RecordedRequest resume = stellmap.requests(WATCH).get(1);
        assertThat(resume.queryParam("sinceRevision")).isEqualTo(Long.toString(snapshotRevision));
        // Exactly the two changes, once each and in order: no snapshot (that would mean no resume), no repeat.
        assertThat(types()).containsExactly(WatchEvent.Type.SNAPSHOT, WatchEvent.Type.UPSERT, WatchEvent.Type.DELETE);
        assertThat(this.events).extracting(WatchEvent::revision)
            .containsExactly(snapshotRevision, lastChange - 1, lastChange);
        assertThat(this.events.get(1).instanceId()).isEqualTo("cart-2");
        assertThat(this.events.get(2).instanceId()).isEqualTo("cart-1");
        assertThat(registry.watchReconnects()).isEqualTo(1);
    }

    @Test
    void aWatchMovesToTheNextNodeWhenOneIsUnreachable() {
        StellMapEmulator gone = StellMapEmulator.start();
        String deadUrl = gone.url();
        gone.close();
        StellMapEmulator stellmap = track(StellMapEmulator.start());
        StellMapRegistry registry = track(TestRegistries.registry(deadUrl, stellmap.url()));
        watch(registry, WatchOptions.of(InstanceQuery.of(NAMESPACE, SERVICE)));
        await().atMost(Duration.ofSeconds(30)).until(() -> this.events.size() == 1);
        assertThat(this.events.get(0).type()).isEqualTo(WatchEvent.Type.SNAPSHOT);
    }

    @Test
    void aStreamEndedByTheServerIsResumedToo() {
        StellMapEmulator stellmap = track(StellMapEmulator.start());
        StellMapRegistry registry = track(TestRegistries.registry(stellmap.url()));
        registry.register(instance("cart-0", 8080));
        watch(registry, WatchOptions.of(InstanceQuery.of(NAMESPACE, SERVICE)));
        await().atMost(Duration.ofSeconds(30)).until(() -> this.events.size() == 1);
        // What the server does to a slow consumer: a clean end of the stream.
        stellmap.dropWatchers();
        await().atMost(Duration.ofSeconds(30)).until(() -> stellmap.requests(WATCH).size() == 2);
        registry.register(instance("cart-1", 8081));
        await().atMost(Duration.ofSeconds(30)).until(() -> this.events.size() >= 2);
        // Resumed from history: no second snapshot, just the change.
        assertThat(types()).containsExactly(WatchEvent.Type.SNAPSHOT, WatchEvent.Type.UPSERT);
        assertThat(stellmap.requests(WATCH).get(1).queryParam("sinceRevision"))
            .isEqualTo(Long.toString(this.events.get(0).revision()));
    }

    @Test
    void rebuildsFromASnapshotAfterRevisionExpired() {
        StellMapEmulator stellmap = track(StellMapEmulator.builder().historySize(2).start());
        StellMapRegistry registry = track(TestRegistries.registry(stellmap.url()));
        long before = stellmap.revision();
        IntStream.range(0, 5).forEach((i) -> registry.register(instance("cart-" + i, 8080 + i)));

        // Live-only from a revision the node no longer holds: 410, then a fresh snapshot.
        watch(registry, WatchOptions.of(InstanceQuery.of(NAMESPACE, SERVICE)).sinceRevision(before)
            .includeSnapshot(false));
        await().atMost(Duration.ofSeconds(30)).until(() -> !this.events.isEmpty());
        assertThat(this.events.get(0).type()).isEqualTo(WatchEvent.Type.SNAPSHOT);
        assertThat(this.events.get(0).instances()).hasSize(5);
        List<RecordedRequest> watches = stellmap.requests(WATCH);
        assertThat(watches.get(0).queryParam("includeSnapshot")).isEqualTo("false");
        assertThat(watches.get(1).queryParam("sinceRevision")).isNull();
        assertThat(watches.get(1).queryParam("includeSnapshot")).isEqualTo("true");
    }

    @Test
    void aNodeRestartWithoutHistoryLeadsToANewSnapshotThatReplacesTheView() {
        StellMapEmulator stellmap = track(StellMapEmulator.start());
        StellMapRegistry registry = track(TestRegistries.registry(stellmap.url()));
        registry.register(instance("cart-1", 8080));
        assertThat(registry.cachedInstances(SERVICE)).extracting(ServiceInstance::instanceId).containsExactly("cart-1");

        stellmap.delayResponses(Duration.ofMillis(300));
        stellmap.restart();
        // Removed while the watch was away, and the history that would tell is gone.
        stellmap.forget(NAMESPACE, SERVICE, "cart-1");
        stellmap.delayResponses(Duration.ZERO);
        stellmap.restart();

        await().atMost(Duration.ofSeconds(30)).until(() -> registry.cachedInstances(SERVICE).isEmpty());
    }

    @Test
    void anInstanceThatStopsMatchingTheFiltersIsDeletedFromAFilteredWatch() {
        StellMapEmulator stellmap = track(StellMapEmulator.start());
        StellMapRegistry registry = track(TestRegistries.registry(stellmap.url()));
        watch(registry, WatchOptions.of(InstanceQuery.namespace(NAMESPACE).service(SERVICE)
            .selector(Selector.equal("lane", "blue")).build()));
        await().atMost(Duration.ofSeconds(30)).until(() -> this.events.size() == 1);
        registry.register(instance("cart-1", 8080));
        // Re-registered with another lane: the server turns the upsert into a delete for this watch.
        registry.register(new RegisterRequest(NAMESPACE, SERVICE, "cart-1", null, Map.of("lane", "green"), Map.of(),
                List.of(Endpoint.of("http", "10.1.2.3", 8080)), null));
        await().atMost(Duration.ofSeconds(30)).until(() -> this.events.size() == 3);
        assertThat(types()).containsExactly(WatchEvent.Type.SNAPSHOT, WatchEvent.Type.UPSERT, WatchEvent.Type.DELETE);
        assertThat(this.events.get(2).instanceId()).isEqualTo("cart-1");
    }

    @Test
    void idlePeriodsWithOnlyKeepalivesDoNotReconnect() {
        // The older server: ": keepalive" comments and not a byte before the first one.
        StellMapEmulator stellmap = track(StellMapEmulator.builder().keepaliveInterval(Duration.ofMillis(100))
            .keepaliveComment("keepalive").initialPing(false).start());
        // An idle timeout 25 keepalive periods long: only a pause of the whole JVM over 2.4 s could trip it.
        StellMapRegistry registry = track(TestRegistries.registry(Duration.ofMillis(2500), stellmap.url()));
        watch(registry, WatchOptions.of(InstanceQuery.of(NAMESPACE, SERVICE)).includeSnapshot(false));
        await().atMost(Duration.ofSeconds(30)).until(() -> stellmap.watcherCount() == 1);
        // Twice the idle timeout with nothing but keepalives.
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(30))
            .until(() -> registry.watchReconnects() == 0 && stellmap.requests(WATCH).size() == 1);
        registry.register(instance("cart-1", 8080));
        await().atMost(Duration.ofSeconds(30)).until(() -> this.events.size() == 1);
    }

    @Test
    void aSilentStreamIsReconnectedAfterTheIdleTimeout() {
        StellMapEmulator stellmap = track(StellMapEmulator.builder().keepaliveInterval(Duration.ofMinutes(1)).start());
        StellMapRegistry registry = track(TestRegistries.registry(Duration.ofMillis(400), stellmap.url()));
        watch(registry, WatchOptions.of(InstanceQuery.of(NAMESPACE, SERVICE)));
        await().atMost(Duration.ofSeconds(30)).until(() -> stellmap.requests(WATCH).size() >= 2);
        assertThat(registry.watchReconnects()).isPositive();
    }

    @Test
    void cacheAndQueryAgreeAfterABurst() {
        StellMapEmulator stellmap = track(StellMapEmulator.builder().cleanupInterval(Duration.ofMillis(200)).start());
        StellMapRegistry writer = track(TestRegistries.registry(stellmap.url()));
        StellMapRegistry reader = track(TestRegistries.registry(stellmap.url()));
        writer.register(instance("seed", 7000));
        assertThat(reader.cachedInstances(SERVICE)).hasSize(1);

        for (int i = 0; i < 30; i++) {
            RegisterRequest request = new RegisterRequest(NAMESPACE, SERVICE, "i-" + i, null, Map.of("n", "" + i),
                    Map.of(), List.of(Endpoint.of("http", "10.0.0." + i, 8080)),
                    Duration.ofSeconds((i % 3 == 0) ? 1 : 30));
            writer.register(request);
            if (i % 5 == 0) {
                writer.heartbeat(request.heartbeat());
            }
            if (i % 4 == 0) {
                writer.deregister(request.identity());
            }
        }
        writer.deregister(new DeregisterRequest(NAMESPACE, SERVICE, "seed"));

        // Leases of 1 s expire and are purged; the rest stays.
        List<String> expected = IntStream.range(0, 30).filter((i) -> i % 3 != 0 && i % 4 != 0).mapToObj((i) -> "i-" + i)
            .sorted().toList();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<ServiceInstance> queried = reader.queryInstances(InstanceQuery.of(NAMESPACE, SERVICE));
            List<ServiceInstance> cached = reader.cachedInstances(SERVICE);
            assertThat(queried).extracting(ServiceInstance::instanceId).containsExactlyElementsOf(expected);
            assertThat(cached).extracting(ServiceInstance::instanceId).containsExactlyElementsOf(expected);
            for (int i = 0; i < cached.size(); i++) {
                assertThat(cached.get(i).sameRegistration(queried.get(i))).isTrue();
            }
        });
        assertThat(reader.cacheSize()).isEqualTo(expected.size());
    }
}
