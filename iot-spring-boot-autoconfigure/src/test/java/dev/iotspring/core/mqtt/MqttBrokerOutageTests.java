package dev.iotspring.core.mqtt;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.mqtt.RecordedPublish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One broker outage, observed from several sides: the broker (its own, sessions kept on disk) is stopped in
 * the middle of 10,000 messages flowing through {@link Dispatcher} and {@link MqttConnection}, and started
 * again on the same ports. The scenario runs once ({@code @BeforeAll}: a broker restart costs seconds); each
 * test checks one thing a user would notice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MqttBrokerOutageTests {

    private static final int MESSAGES = 10_000;

    private static final int WINDOW = 100;

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static final RetryBackoff FAST = new RetryBackoff(Duration.ofMillis(100),
            Duration.ofMillis(500), 2.0, 0.2);

    private EmbeddedMqttBroker broker;

    private MqttConnection connection;

    private Dispatcher dispatcher;

    private InMemoryQueue queue;

    private Subscriber persistent;

    private Subscriber clean;

    private List<RecordedPublish> publishes;

    private int receivedBeforeOutage;

    private CompletableFuture<Void> publishDuringOutage;

    @BeforeAll
    void outage() {
        this.broker = EmbeddedMqttBroker.builder().persistentSessions(true).webSocket(false).start();
        this.persistent = new Subscriber(settings("outage-persistent").cleanSession(false).build());
        this.clean = new Subscriber(settings("outage-clean").build());
        this.connection = new MqttConnection(settings("outage-sender").maxInflight(WINDOW).build());
        this.queue = InMemoryQueue.fifo();
        this.dispatcher = Dispatcher.builder("it", this.queue, new MqttMessageSender(this.connection))
            .window(WINDOW)
            .backoff(new RetryBackoff(Duration.ofMillis(50), Duration.ofMillis(500), 2.0, 0.2))
            .build();
        this.connection.addConnectionListener(new MqttConnectionListener() {
            @Override
            public void connected(boolean sessionPresent) {
                dispatcher.wakeUp();
            }
        });
        this.connection.start();
        this.dispatcher.start();
        await().atMost(TIMEOUT).until(() -> this.persistent.connection.isConnected()
                && this.clean.connection.isConnected() && this.connection.isConnected());

        for (int i = 0; i < MESSAGES / 2; i++) {
            this.dispatcher.send(message(i));
        }
        // The outage hits while messages are in flight: acknowledgements are held from here, so on a fast machine
        // the first half cannot all be acknowledged before the broker goes down.
        this.broker.awaitPublishes(MESSAGES / 10, TIMEOUT);
        this.broker.withholdAcks();
        this.broker.awaitHeldAcks(1, TIMEOUT);
        this.broker.stop();
        this.broker.releaseAcks();
        this.receivedBeforeOutage = this.broker.publishes().size();
        await().atMost(TIMEOUT).until(() -> this.persistent.connection.state() == MqttConnectionState.DISCONNECTED
                && this.clean.connection.state() == MqttConnectionState.DISCONNECTED && !this.connection.isConnected());
        this.publishDuringOutage = this.persistent.connection.publish("cmd/x", new byte[0], 1, false);
        for (int i = MESSAGES / 2; i < MESSAGES; i++) {
            this.dispatcher.send(message(i));
        }

        this.broker.start();
        await().atMost(TIMEOUT).until(() -> this.dispatcher.sentCount() == MESSAGES && this.queue.size() == 0);
        await().atMost(TIMEOUT)
            .until(() -> this.persistent.connection.isConnected() && this.clean.connection.isConnected());
        this.publishes = this.broker.publishes().stream().filter(p -> p.topic().equals("it/events")).toList();
    }

    @AfterAll
    void close() {
        this.dispatcher.close();
        this.connection.close();
        this.persistent.connection.close();
        this.clean.connection.close();
        this.broker.close();
    }

    @Test
    void tenThousandMessagesArriveCompleteAndInOrder() {
        assertThat(this.receivedBeforeOutage).as("the outage came in the middle").isBetween(1, MESSAGES / 2);
        BitSet seen = new BitSet(MESSAGES);
        List<Integer> firstOccurrences = new ArrayList<>(MESSAGES);
        int duplicates = 0;
        for (int index = 0; index < this.publishes.size(); index++) {
            int n = number(this.publishes.get(index));
            if (seen.get(n)) {
                duplicates++;
                // A redelivery after the outage of something the broker had before it, never a random repeat.
                assertThat(index).as("duplicate of %d", n).isGreaterThanOrEqualTo(this.receivedBeforeOutage);
                assertThat(firstIndex(n)).as("first copy of %d", n).isLessThan(this.receivedBeforeOutage);
            }
            else {
                seen.set(n);
                firstOccurrences.add(n);
            }
        }
        assertThat(seen.cardinality()).as("nothing lost").isEqualTo(MESSAGES);
        assertThat(firstOccurrences).as("first occurrences in send order").isSorted().hasSize(MESSAGES);
        assertThat(duplicates).as("redeliveries bounded by the in-flight window").isLessThanOrEqualTo(WINDOW);
        assertThat(this.publishes).allSatisfy(p -> assertThat(p.qos()).isEqualTo(1));
        assertThat(this.dispatcher.stats().failed()).isZero();
        assertThat(this.dispatcher.stats().retries()).as("the outage was noticed").isPositive();
    }

    @Test
    void publishDuringTheOutageFailsAtOnceWithATypedException() {
        assertThat(this.publishDuringOutage).failsWithin(Duration.ZERO).withThrowableThat().havingCause()
            .isInstanceOf(MqttNotConnectedException.class);
    }

    @Test
    void sessionPresentIsReportedAfterTheRestart() {
        // Same client ids, sessions kept by the broker across its restart: present for the persistent one only.
        assertThat(this.persistent.sessionPresent).containsExactly(false, true);
        assertThat(this.clean.sessionPresent).containsExactly(false, false);
        assertThat(this.persistent.connection.isSessionPresent()).isTrue();
    }

    @Test
    void subscriptionsWorkAfterTheRestart() throws Exception {
        this.connection.publish("cmd/after-restart", "hi".getBytes(StandardCharsets.UTF_8), 1, false)
            .get(10, TimeUnit.SECONDS);
        for (Subscriber s : List.of(this.persistent, this.clean)) {
            MqttInboundMessage message = s.received.poll(10, TimeUnit.SECONDS);
            assertThat(message).as(s.connection.settings().clientId()).isNotNull();
            assertThat(message.topic()).isEqualTo("cmd/after-restart");
            assertThat(new String(message.payload(), StandardCharsets.UTF_8)).isEqualTo("hi");
        }
    }

    private MqttConnectionSettings.Builder settings(String clientId) {
        return MqttConnectionSettings.builder(MqttEndpoint.parse(this.broker.tcpUrl()), clientId).backoff(FAST);
    }

    private int firstIndex(int n) {
        for (int i = 0; i < this.publishes.size(); i++) {
            if (number(this.publishes.get(i)) == n) {
                return i;
            }
        }
        return -1;
    }

    private static int number(RecordedPublish publish) {
        return ByteBuffer.wrap(publish.payload()).getInt();
    }

    private static OutboundMessage message(int n) {
        return OutboundMessage.of("m-" + n, "it/events", ByteBuffer.allocate(4).putInt(n).array());
    }

    static final class Subscriber {

        final MqttConnection connection;

        final List<Boolean> sessionPresent = new CopyOnWriteArrayList<>();

        final BlockingQueue<MqttInboundMessage> received = new LinkedBlockingQueue<>();

        Subscriber(MqttConnectionSettings settings) {
            this.connection = new MqttConnection(settings);
            this.connection.addConnectionListener(new MqttConnectionListener() {
                @Override
                public void connected(boolean present) {
                    Subscriber.this.sessionPresent.add(present);
                }
            });
            this.connection.subscribe("cmd/#", 1, this.received::add);
            this.connection.start();
        }
    }
}
