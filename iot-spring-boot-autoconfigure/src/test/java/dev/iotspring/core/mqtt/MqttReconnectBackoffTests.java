package dev.iotspring.core.mqtt;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class MqttReconnectBackoffTests {

    @Test
    void growsByTheMultiplierUpToTheCap() {
        MqttReconnectBackoff backoff = new MqttReconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0, 0.0);
        assertThat(List.of(0, 1, 2, 3, 4, 5, 6, 50).stream().map(a -> backoff.delay(a, () -> 0.99).toMillis()))
            .containsExactly(1000L, 2000L, 4000L, 8000L, 16000L, 30000L, 30000L, 30000L);
    }

    @Test
    void jitterOnlyShortensTheDelay() {
        MqttReconnectBackoff backoff = new MqttReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(10), 2.0, 0.5);
        assertThat(backoff.delay(0, () -> 0.0)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.delay(0, () -> 0.5)).isEqualTo(Duration.ofMillis(1500));
        assertThat(backoff.delay(10, () -> 0.999_999)).isBetween(Duration.ofMillis(5000), Duration.ofSeconds(10));
        for (int i = 0; i < 1000; i++) {
            assertThat(backoff.delay(3, Math::random)).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10));
        }
    }

    @Test
    void rejectsNonsense() {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new MqttReconnectBackoff(Duration.ZERO, Duration.ofSeconds(1), 2, 0))
            .withMessageContaining("initial delay must be positive");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new MqttReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0))
            .withMessageContaining("below the initial delay");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new MqttReconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5, 0))
            .withMessageContaining("multiplier must be at least 1");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new MqttReconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 1.5))
            .withMessageContaining("jitter must be between 0 and 1");
    }

    @Test
    void connectionFollowsTheScheduleInVirtualTime() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        VirtualScheduler scheduler = new VirtualScheduler();
        AtomicInteger asked = new AtomicInteger();
        MqttConnectionSettings settings = MqttConnectionSettings
            .builder(MqttEndpoint.parse("mqtt://127.0.0.1:" + closedPort), "virtual-time")
            .backoff(new MqttReconnectBackoff(Duration.ofSeconds(5), Duration.ofSeconds(60), 2.0, 0.2))
            .random(() -> 0.5)
            .scheduler(() -> scheduler)
            .credentials(() -> {
                asked.incrementAndGet();
                return MqttCredentials.none();
            })
            .build();
        try (MqttConnection connection = new MqttConnection(settings)) {
            connection.start();
            long started = System.nanoTime();
            for (int attempt = 1; attempt <= 7; attempt++) {
                scheduler.awaitRequested(attempt, Duration.ofSeconds(10));
                scheduler.runNext();
            }
            List<Duration> delays = scheduler.awaitRequested(8, Duration.ofSeconds(10));
            // First attempt at once, then 5 s doubling to the 60 s cap, each shortened by 20 % * 0.5 jitter.
            assertThat(delays).extracting(Duration::toMillis)
                .containsExactly(0L, 4500L, 9000L, 18000L, 36000L, 54000L, 54000L, 54000L);
            assertThat(scheduler.nowMillis()).isEqualTo(4500 + 9000 + 18000 + 36000 + 54000 + 54000);
            assertThat(asked.get()).isEqualTo(7);
            assertThat(connection.state()).isEqualTo(MqttConnectionState.DISCONNECTED);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        }
    }
}
