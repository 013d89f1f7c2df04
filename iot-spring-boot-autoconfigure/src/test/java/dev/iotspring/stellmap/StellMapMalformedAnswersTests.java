package dev.iotspring.stellmap;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import dev.iotspring.test.stellmap.StellMapEmulator;

import static dev.iotspring.stellmap.TestRegistries.NAMESPACE;
import static dev.iotspring.stellmap.TestRegistries.SERVICE;
import static dev.iotspring.stellmap.TestRegistries.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * What the network can answer besides StellMap's envelopes, over the emulator: proxy pages, plain text, a server
 * rejecting a request, no answer in time, frames that are not JSON, and very large frames. The client reports a
 * typed error (never repeating the page, which may echo credentials) or skips and counts the input, and a watch
 * survives.
 */
class StellMapMalformedAnswersTests {

    private static final String REGISTER = "/api/v1/registry/register";

    private static final String INSTANCES = "/api/v1/registry/instances";

    private static final String WATCH = "/api/v1/registry/watch";

    private static final String SECRET = "gw-key-8f3a2c";

    private final StellMapEmulator stellmap = StellMapEmulator.start();

    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable resource : this.resources) {
            resource.close();
        }
        this.stellmap.close();
    }

    private StellMapHttpRegistry registry(StellMapClientSettings.Builder settings) {
        StellMapHttpRegistry registry = TestRegistries.registry(settings, null);
        this.resources.add(0, registry);
        return registry;
    }

    private List<WatchEvent> watch(StellMapRegistry registry) {
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        Disposable subscription = registry.watch(WatchOptions.of(InstanceQuery.of(NAMESPACE, SERVICE)))
            .subscribe(events::add);
        this.resources.add(0, subscription::dispose);
        await().atMost(Duration.ofSeconds(30)).until(() -> events.size() == 1);
        return events;
    }

    @Test
    void htmlAndPlainTextErrorPagesBecomeTypedErrorsWithoutTheirText() {
        StellMapHttpRegistry registry = registry(TestRegistries.settings(this.stellmap.url())
            .header("X-Gateway-Key", SECRET));
        String page = "<html><body><h1>500 Internal Server Error</h1><pre>X-Gateway-Key: " + SECRET
                + "</pre></body></html>";
        this.stellmap.answerNext(REGISTER, 1, 500, "text/html", page);
        assertThatExceptionOfType(StellMapException.class).isThrownBy(() -> registry.register(instance("cart-1", 8080)))
            .satisfies((ex) -> {
                assertThat(ex.getStatus()).isEqualTo(500);
                assertThat(ex.getCode()).isEqualTo("http_500");
                assertThat(ex.getMessage()).doesNotContain(SECRET).doesNotContain("<html")
                    .contains("not a StellMap envelope");
            });
        this.stellmap.answerNext(INSTANCES, 1, 404, "text/plain; charset=utf-8", "404 page not found\n");
        assertThatExceptionOfType(StellMapException.class)
            .isThrownBy(() -> registry.queryInstances(InstanceQuery.of(NAMESPACE, SERVICE)))
            .satisfies((ex) -> assertThat(ex.getCode()).isEqualTo("http_404"));
        // A 200 login page is no answer either: not an empty result.
        this.stellmap.answerNext(INSTANCES, 1, 200, "text/html", "<html>please sign in " + SECRET + "</html>");
        assertThatExceptionOfType(StellMapException.class)
            .isThrownBy(() -> registry.queryInstances(InstanceQuery.of(NAMESPACE, SERVICE)))
            .satisfies((ex) -> {
                assertThat(ex.getCode()).isEqualTo("invalid_answer");
                assertThat(ex.getMessage()).doesNotContain(SECRET);
            });
        // Nothing was lost: the next register goes through.
        registry.register(instance("cart-1", 8080));
        assertThat(this.stellmap.instance(NAMESPACE, SERVICE, "cart-1")).isPresent();
    }

    @Test
    void aGatewayPageForAnUnreachableNodeMovesTheWriteToTheNextNode() {
        StellMapEmulator second = StellMapEmulator.start();
        this.resources.add(second);
        StellMapHttpRegistry registry = registry(TestRegistries.settings(this.stellmap.url(), second.url()));
        this.stellmap.answerNext(REGISTER, 1, 502, "text/html", "<html><h1>502 Bad Gateway</h1></html>");
        registry.register(instance("cart-1", 8080));
        assertThat(second.instance(NAMESPACE, SERVICE, "cart-1")).isPresent();

        this.stellmap.answerNext(REGISTER, 1, 504, "text/plain", "upstream request timeout");
        StellMapHttpRegistry single = registry(TestRegistries.settings(this.stellmap.url()));
        assertThatExceptionOfType(StellMapUnreachableException.class)
            .isThrownBy(() -> single.register(instance("cart-2", 8080)))
            .satisfies((ex) -> assertThat(ex.getStatus()).isEqualTo(504));
    }

    @Test
    void badRequestAnswersAreStellMapBadRequestExceptionsAndEndAWatch() throws Exception {
        StellMapHttpRegistry registry = registry(TestRegistries.settings(this.stellmap.url()));
        // An older server that does not know "zone" rejects the whole registration.
        this.stellmap.unknownFields("zone");
        assertThatExceptionOfType(StellMapBadRequestException.class)
            .isThrownBy(() -> registry.register(instance("cart-1", 8080)))
            .satisfies((ex) -> {
                assertThat(ex.getStatus()).isEqualTo(400);
                assertThat(ex.getMessage()).contains("json: unknown field \"zone\"");
            });
        CompletableFuture<Void> async = registry.registerAsync(instance("cart-1", 8080));
        assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> async.get(30, TimeUnit.SECONDS))
            .withCauseInstanceOf(StellMapBadRequestException.class);
        assertThat(this.stellmap.instances()).isEmpty();
        this.stellmap.unknownFields();

        // A watch the server rejects ends with the error instead of reconnecting for ever.
        this.stellmap.answerNext(WATCH, 1, 400, "application/json",
                "{\"code\":\"bad_request\",\"message\":\"invalid selector \\\"lane in blue\\\"\"}\n");
        assertThatExceptionOfType(StellMapBadRequestException.class)
            .isThrownBy(() -> registry.watch(WatchOptions.of(InstanceQuery.of(NAMESPACE, SERVICE))).blockLast(
                    Duration.ofSeconds(30)))
            .withMessageContaining("invalid selector");
        assertThat(this.stellmap.requests(WATCH)).hasSize(1);
    }

    @Test
    void noAnswerWithinTheRequestTimeoutIsStellMapUnreachableException() throws Exception {
        StellMapHttpRegistry registry = registry(TestRegistries.settings(this.stellmap.url())
            .connectTimeout(Duration.ofMillis(500)).requestTimeout(Duration.ofMillis(500)));
        this.stellmap.delayResponses(Duration.ofSeconds(20));
        assertThatExceptionOfType(StellMapUnreachableException.class)
            .isThrownBy(() -> registry.register(instance("cart-1", 8080)))
            .satisfies((ex) -> assertThat(ex.getCode()).isEqualTo("unreachable"));
        CompletableFuture<List<ServiceInstance>> query = registry.queryInstancesAsync(InstanceQuery.of(NAMESPACE,
                SERVICE));
        assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> query.get(30, TimeUnit.SECONDS))
            .withCauseInstanceOf(StellMapUnreachableException.class);
        this.stellmap.delayResponses(Duration.ZERO);
        registry.register(instance("cart-1", 8080));
        assertThat(this.stellmap.instance(NAMESPACE, SERVICE, "cart-1")).isPresent();
    }

    @Test
    void watchFramesThatAreNotJsonObjectsAreCountedAndSkippedAndTheWatchGoesOn() {
        StellMapHttpRegistry registry = registry(TestRegistries.settings(this.stellmap.url()));
        List<WatchEvent> events = watch(registry);
        this.stellmap.broadcastRaw("id: 9000\nevent: upsert\ndata: <html><body>502 Bad Gateway</body></html>\n\n"
                + "id: 9001\nevent: upsert\ndata: 42\n\n" + "event: delete\ndata: {\"revision\":\n\n");
        registry.register(instance("cart-1", 8080));

        await().atMost(Duration.ofSeconds(30)).until(() -> events.size() == 2);
        assertThat(events.get(1).type()).isEqualTo(WatchEvent.Type.UPSERT);
        assertThat(events.get(1).instanceId()).isEqualTo("cart-1");
        assertThat(registry.skippedWatchFrames()).isEqualTo(3);
        // The same stream carried on: no reconnect.
        assertThat(registry.watchReconnects()).isZero();
        assertThat(this.stellmap.requests(WATCH)).hasSize(1);
    }

    @Test
    void veryLargeFramesAndAnswersAreRead() {
        StellMapHttpRegistry registry = registry(TestRegistries.settings(this.stellmap.url()));
        // Three instances of 200 KB each: a 600 KB snapshot, far above Spring's default 256 KB buffer limit.
        for (int i = 0; i < 3; i++) {
            registry.register(bigInstance("big-" + i, 200_000));
        }
        List<WatchEvent> events = watch(registry);
        assertThat(events.get(0).instances()).hasSize(3)
            .allSatisfy((instance) -> assertThat(instance.metadata().get("blob")).hasSize(200_000));
        registry.register(bigInstance("big-3", 400_000));
        await().atMost(Duration.ofSeconds(30)).until(() -> events.size() == 2);
        assertThat(events.get(1).instance().metadata().get("blob")).hasSize(400_000);
        assertThat(registry.queryInstances(InstanceQuery.of(NAMESPACE, SERVICE))).hasSize(4);
        assertThat(registry.watchReconnects()).isZero();
    }

    private static RegisterRequest bigInstance(String id, int size) {
        return new RegisterRequest(NAMESPACE, SERVICE, id, null, Map.of(), Map.of("blob", "x".repeat(size)),
                List.of(Endpoint.of("http", "10.1.2.3", 8080)), null);
    }
}
