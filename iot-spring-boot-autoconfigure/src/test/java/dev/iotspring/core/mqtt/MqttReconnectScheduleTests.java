package dev.iotspring.core.mqtt;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.test.mqtt.EmbeddedMqttBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The reconnect schedule of a live {@link MqttConnection} in virtual time: its own broker is stopped under it,
 * every attempt really dials the closed port, and the test moves a {@link VirtualScheduler} from one attempt to
 * the next, so minutes of backoff take milliseconds and the attempt times are exact.
 */
class MqttReconnectScheduleTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final EmbeddedMqttBroker broker = EmbeddedMqttBroker.builder().webSocket(false).start();

    @AfterEach
    void closeBroker() {
        this.broker.close();
    }

    @Test
    void attemptsAfterAnOutageFollowTheBackoffAndAskForCredentialsEachTime() throws Exception {
        VirtualScheduler scheduler = new VirtualScheduler();
        List<Long> attemptTimes = new CopyOnWriteArrayList<>();
        MqttConnectionSettings settings = MqttConnectionSettings
            .builder(MqttEndpoint.parse(this.broker.tcpUrl()), "virtual-time")
            .connectTimeout(Duration.ofSeconds(5))
            .backoff(new RetryBackoff(Duration.ofSeconds(5), Duration.ofSeconds(60), 2.0, 0.2))
            .random(() -> 0.25)
            .scheduler(() -> scheduler)
            .credentials(() -> {
                attemptTimes.add(scheduler.nowMillis());
                return MqttCredentials.none();
            })
            .build();
        try (MqttConnection connection = new MqttConnection(settings)) {
            connection.start();
            scheduler.awaitRequested(1, TIMEOUT);
            scheduler.runNext();
            await().atMost(TIMEOUT).until(connection::isConnected);

            this.broker.stop();
            await().atMost(TIMEOUT).until(() -> connection.state() == MqttConnectionState.DISCONNECTED);
            // The loss and five refused attempts each schedule the next one.
            for (int requested = 2; requested <= 6; requested++) {
                scheduler.awaitRequested(requested, TIMEOUT);
                scheduler.runNext();
            }
            List<Duration> delays = scheduler.awaitRequested(7, TIMEOUT);
            assertThat(connection.isConnected()).isFalse();

            this.broker.start();
            scheduler.runNext();
            await().atMost(TIMEOUT).until(connection::isConnected);

            // 5 s doubling to the 60 s cap, each moved by -10 % (jitter 0.2, random 0.25); the first connect at once.
            assertThat(delays).extracting(Duration::toMillis)
                .containsExactly(0L, 4500L, 9000L, 18000L, 36000L, 54000L, 54000L);
            assertThat(attemptTimes).containsExactly(0L, 4500L, 13500L, 31500L, 67500L, 121500L, 175500L);
            assertThat(this.broker.connects()).hasSize(2);
        }
    }
}
