package dev.iotspring.stellmap;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import dev.iotspring.core.event.IotConnectionStateChangedEvent;
import dev.iotspring.core.event.IotEventPublisher;
import dev.iotspring.test.stellmap.StellMapEmulator;

import static dev.iotspring.stellmap.TestRegistries.NAMESPACE;
import static dev.iotspring.stellmap.TestRegistries.SERVICE;
import static dev.iotspring.stellmap.TestRegistries.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The registry's reachability as core {@link IotConnectionStateChangedEvent}s: a StellMap node stops and another
 * starts on the same port, for requests and for a watch. One event per change, none for repeated failures.
 */
class StellMapConnectionEventsTests {

    private final List<IotConnectionStateChangedEvent> events = new CopyOnWriteArrayList<>();

    private final IotEventPublisher publisher = new IotEventPublisher("stellmap", (event) -> {
        if (event instanceof IotConnectionStateChangedEvent changed) {
            this.events.add(changed);
        }
    });

    private StellMapEmulator stellmap = StellMapEmulator.start();

    private StellMapHttpRegistry registry;

    private Disposable watch;

    @AfterEach
    void close() {
        if (this.watch != null) {
            this.watch.dispose();
        }
        if (this.registry != null) {
            this.registry.close();
        }
        this.stellmap.close();
    }

    private List<Boolean> states() {
        return this.events.stream().map(IotConnectionStateChangedEvent::isConnected).toList();
    }

    @Test
    void requestsPublishDisconnectedWhenTheServerGoesAwayAndConnectedWhenItReturns() {
        this.registry = TestRegistries.registry(TestRegistries.settings(this.stellmap.url()), this.publisher);
        assertThat(this.registry.isConnected()).isFalse();
        this.registry.register(instance("cart-1", 8080));
        this.registry.heartbeat(instance("cart-1", 8080).heartbeat());
        assertThat(states()).containsExactly(true);
        assertThat(this.registry.isConnected()).isTrue();

        int port = this.stellmap.port();
        this.stellmap.close();
        for (int i = 0; i < 2; i++) {
            assertThatExceptionOfType(StellMapUnreachableException.class)
                .isThrownBy(() -> this.registry.heartbeat(instance("cart-1", 8080).heartbeat()));
        }
        // Two failed requests, one change.
        assertThat(states()).containsExactly(true, false);
        IotConnectionStateChangedEvent down = this.events.get(1);
        assertThat(down.getPlatform()).isEqualTo("stellmap");
        assertThat(down.getCause()).isInstanceOf(StellMapUnreachableException.class);
        assertThat(down.isWillRetry()).isTrue();
        assertThat(this.registry.isConnected()).isFalse();

        this.stellmap = StellMapEmulator.builder().port(port).start();
        this.registry.register(instance("cart-1", 8080));
        assertThat(states()).containsExactly(true, false, true);
    }

    @Test
    void aWatchPublishesTheSameChangesWhenItsServerGoesAwayAndReturns() {
        this.registry = TestRegistries.registry(TestRegistries.settings(this.stellmap.url()), this.publisher);
        List<WatchEvent> seen = new CopyOnWriteArrayList<>();
        this.watch = this.registry.watch(WatchOptions.of(InstanceQuery.of(NAMESPACE, SERVICE))).subscribe(seen::add);
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 1);
        assertThat(states()).containsExactly(true);

        int port = this.stellmap.port();
        this.stellmap.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> states().equals(List.of(true, false)));
        // Reconnect attempts keep failing while it is away: no further event.
        long attempts = this.registry.watchReconnects();
        await().atMost(Duration.ofSeconds(30)).until(() -> this.registry.watchReconnects() >= attempts + 3);
        assertThat(states()).containsExactly(true, false);

        this.stellmap = StellMapEmulator.builder().port(port).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> states().equals(List.of(true, false, true)));
        this.registry.register(instance("cart-1", 8080));
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.stream()
            .anyMatch((e) -> e.type() == WatchEvent.Type.UPSERT && "cart-1".equals(e.instanceId())));
    }
}
