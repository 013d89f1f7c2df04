package dev.iotspring.stellmap;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

import dev.iotspring.test.stellmap.StellMapEmulator;
import org.springframework.web.reactive.function.client.WebClient;

import static dev.iotspring.stellmap.TestRegistries.NAMESPACE;
import static dev.iotspring.stellmap.TestRegistries.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The heartbeat cadence of {@link StellMapAutoRegistration} in virtual time: its scheduler is a
 * {@link VirtualTimeScheduler}, so "a beat every interval, none in between" is checked by moving the clock, not by
 * measuring a loaded machine. Requests still go to the emulator over HTTP.
 */
class StellMapHeartbeatCadenceTests {

    private static final String REGISTER = "/api/v1/registry/register";

    private static final String HEARTBEAT = "/api/v1/registry/heartbeat";

    private final StellMapEmulator stellmap = StellMapEmulator.builder().cleanupInterval(Duration.ZERO).start();

    /** Calls made by the registration; counted when made, so a beat due too early shows at once. */
    private final AtomicInteger calls = new AtomicInteger();

    private final StellMapHttpRegistry registry = new StellMapHttpRegistry(WebClient.builder(),
            TestRegistries.settings(this.stellmap.url()).build(), NAMESPACE) {

        @Override
        public CompletableFuture<Void> registerAsync(RegisterRequest request) {
            StellMapHeartbeatCadenceTests.this.calls.incrementAndGet();
            return super.registerAsync(request);
        }

        @Override
        public CompletableFuture<Void> heartbeatAsync(HeartbeatRequest request) {
            StellMapHeartbeatCadenceTests.this.calls.incrementAndGet();
            return super.heartbeatAsync(request);
        }
    };

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

    private final RegisterRequest request = new RegisterRequest(NAMESPACE, SERVICE, "cart-1", null, Map.of(),
            Map.of(), List.of(Endpoint.of("http", "10.1.2.3", 8080)), Duration.ofSeconds(30));

    private final StellMapAutoRegistration registration = new StellMapAutoRegistration(this.registry,
            (port) -> this.request, Duration.ofSeconds(10), Duration.ofSeconds(30), () -> this.time);

    @AfterEach
    void close() {
        this.registration.stop();
        this.registry.close();
        this.stellmap.close();
    }

    @Test
    void registersAtOnceThenHeartbeatsOncePerIntervalAndNeverInBetween() {
        this.registration.start();
        this.registration.webServerStarted(8080);
        this.time.advanceTime();
        await().atMost(Duration.ofSeconds(30)).until(this.registration::isRegistered);
        assertThat(this.stellmap.requests(REGISTER)).hasSize(1);

        for (int beat = 1; beat <= 4; beat++) {
            // Just short of the interval: nothing may be due yet.
            this.time.advanceTimeBy(Duration.ofMillis(9_999));
            assertThat(this.calls).hasValue(beat);
            this.time.advanceTimeBy(Duration.ofMillis(1));
            assertThat(this.calls).hasValue(beat + 1);
            long expected = beat;
            await().atMost(Duration.ofSeconds(30)).until(() -> this.registration.heartbeatSuccesses() == expected);
            assertThat(this.stellmap.requests(HEARTBEAT)).hasSize(beat);
        }
        assertThat(this.stellmap.requests(REGISTER)).hasSize(1);
        assertThat(this.registration.lastError()).isNull();
    }

    @Test
    void aFailedRegistrationIsRetriedOneIntervalLaterNotSooner() {
        this.stellmap.failNextWrites(1);
        this.registration.start();
        this.registration.webServerStarted(8080);
        this.time.advanceTime();
        await().atMost(Duration.ofSeconds(30)).until(() -> this.registration.lastError() != null);
        assertThat(this.registration.isRegistered()).isFalse();

        this.time.advanceTimeBy(Duration.ofMillis(9_999));
        assertThat(this.calls).hasValue(1);
        this.time.advanceTimeBy(Duration.ofMillis(1));
        assertThat(this.calls).hasValue(2);
        await().atMost(Duration.ofSeconds(30)).until(this.registration::isRegistered);
        assertThat(this.stellmap.requests(REGISTER)).hasSize(2);
        assertThat(this.stellmap.requests(HEARTBEAT)).isEmpty();
    }
}
