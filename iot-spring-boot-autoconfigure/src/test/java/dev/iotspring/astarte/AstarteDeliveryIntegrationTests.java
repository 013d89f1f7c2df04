package dev.iotspring.astarte;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.store.IotStore;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.core.store.JdbcOutboundQueue;
import dev.iotspring.test.astarte.AstarteEmulator;
import dev.iotspring.test.astarte.DeviceMessage;

import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Store-and-forward end to end (spec §16.3 check 9): 5,000 guaranteed datastream values with {@code retention:
 * stored}, the broker restarted mid-stream and the application restarted (a new client on the same SQLite store,
 * its predecessor stopped before it could drain): Astarte receives every value, first occurrences in send order.
 */
class AstarteDeliveryIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(120);

    private static final int VALUES = 5000;

    @TempDir
    Path directory;

    private AstarteEmulator astarte;

    private IotStores stores;

    private AstarteInterfaces interfaces;

    private final String deviceId = AstarteDeviceIds.random();

    private final List<AstarteDeviceClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        this.astarte = AstarteEmulator.builder().realm("test").persistentSessions(true).start();
        PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver();
        this.astarte.installInterfaces("classpath*:astarte/interfaces/*.json");
        this.interfaces = AstarteInterfaces.load(resolver, List.of("classpath*:astarte/interfaces/*.json"),
                JsonMapper.builder().build());
        this.stores = new IotStores(this.directory, SynchronousMode.NORMAL, Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        this.clients.forEach(AstarteDeviceClient::close);
        this.stores.close();
        this.astarte.close();
    }

    private AstarteDeviceClient client(JdbcOutboundQueue outbox, UnaryOperator<Dispatcher.Builder> dispatcher)
            throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(this.astarte.certificateAuthority().trustStore());
        AstarteDeviceSettings settings = AstarteDeviceSettings.builder("test", this.deviceId, this.interfaces)
            .agentToken(this.astarte::agentToken)
            .trustManagers(tmf.getTrustManagers())
            .build();
        AstartePairingClient pairing = new AstartePairingClient(
                WebClient.builder().baseUrl(this.astarte.pairingUrl()).build(), "test", JsonMapper.builder().build(),
                Duration.ofSeconds(30));
        AstarteDeviceClient client = new AstarteDeviceClient(settings, pairing, this.stores.open("astarte"), outbox,
                InMemoryQueue.fifo(), dispatcher, null);
        this.clients.add(client);
        return client;
    }

    @Test
    void fiveThousandGuaranteedValuesSurviveABrokerRestartAndAnApplicationRestartInOrder() throws Exception {
        IotStore store = this.stores.open("astarte");
        JdbcOutboundQueue firstOutbox = store.outboundQueue("outbox");
        // A short drain: the first run stops with values still queued, as a quick shutdown would.
        AstarteDeviceClient first = client(firstOutbox, b -> b.drainTimeout(Duration.ofMillis(50)));
        first.start();
        for (int i = 0; i < VALUES / 2; i++) {
            if (i == 500) {
                await().atMost(WAIT).until(first::isConnected);
                this.astarte.broker().stop();
            }
            if (i == 1500) {
                this.astarte.broker().start();
                await().atMost(WAIT).until(() -> receivedInOrder().size() >= 1000);
                // The broker goes away again: what is sent from here on waits in SQLite, and the application
                // stops before the broker is back.
                this.astarte.broker().stop();
            }
            first.send("org.example.Sensors", "/s/temperature", (double) i);
        }
        first.stop();
        firstOutbox.close();
        this.astarte.broker().start();
        JdbcOutboundQueue secondOutbox = store.outboundQueue("outbox");
        int leftForTheNextRun = secondOutbox.size();
        assertThat(leftForTheNextRun).as("values the first run left queued").isPositive();
        AstarteDeviceClient second = client(secondOutbox, b -> b);
        second.start();
        List<CompletableFuture<Void>> secondRun = new ArrayList<>();
        for (int i = VALUES / 2; i < VALUES; i++) {
            secondRun.add(second.send("org.example.Sensors", "/s/temperature", (double) i));
        }
        CompletableFuture.allOf(secondRun.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(),
                java.util.concurrent.TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> receivedInOrder().size() == VALUES);

        List<Double> firstOccurrences = new ArrayList<>(receivedInOrder());
        assertThat(firstOccurrences).isSorted();
        assertThat(firstOccurrences.get(0)).isEqualTo(0.0);
        assertThat(firstOccurrences.get(VALUES - 1)).isEqualTo(VALUES - 1.0);
        assertThat(second.pendingMessages()).isZero();
        System.out.println("Astarte delivery: " + leftForTheNextRun + " values left queued by the first run were "
                + "delivered by the second; " + duplicates() + " duplicates (at least once)");
    }

    /** Values Astarte received on the path, each once, in the order of their first arrival. */
    private Set<Double> receivedInOrder() {
        Set<Double> values = new LinkedHashSet<>();
        for (DeviceMessage m : this.astarte.messages(this.deviceId)) {
            if (m.kind() == DeviceMessage.Kind.DATA && "/s/temperature".equals(m.path())) {
                values.add((Double) m.value());
            }
        }
        return values;
    }

    private long duplicates() {
        return this.astarte.messages(this.deviceId).stream()
            .filter(m -> m.kind() == DeviceMessage.Kind.DATA && "/s/temperature".equals(m.path()))
            .count() - receivedInOrder().size();
    }
}
