package dev.iotspring.streamsea;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.streamsea.Templates.Reading;
import dev.iotspring.test.streamsea.ConnectionRecord;
import dev.iotspring.test.streamsea.RecordedFrame;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Compatibility checks 4-8 and 11 of the stream-sea spec over a real WebSocket: handshake and ids, ack
 * tolerance and routing, authentication failure, reconnect, keep-alive, robustness.
 */
class StreamSeaWebSocketProtocolTests {

    static final JsonMapper JSON = JsonMapper.builder().build();

    static final Duration WAIT = Duration.ofSeconds(30);

    static StreamSeaEmulator emulator;

    final Templates templates = new Templates(emulator);

    @BeforeAll
    static void startEmulator() {
        emulator = new StreamSeaEmulator().addClient("jail", "svc", "secret").start();
        Templates.defineStreams(emulator, "svc", "secret", Templates.READINGS,
                SchemaDefinition.builder("alarms", 1).field("seq", FieldType.INTEGER).build());
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }

    @AfterEach
    void cleanUp() {
        this.templates.close();
        emulator.delayAuthenticationAnswers(Duration.ZERO);
        emulator.answerAction("subscription");
        emulator.authFailureCloseDelay(Duration.ofMillis(200));
        emulator.refuseNextAuthentications(0);
        emulator.pingInterval(Duration.ofSeconds(30));
    }

    @Test
    void authenticatesFirstAndSubscribesOnlyAfterTheAnswer() {
        emulator.delayAuthenticationAnswers(Duration.ofMillis(300));
        StreamSeaTemplate template = this.templates
            .track(StreamSeaTemplate.create(this.templates.settings("svc", "secret").build()));
        UUID group = UUID.randomUUID();
        // Subscribed before the connection exists: queued, flushed after the auth answer.
        this.templates.keep(template.subscribe("readings", Reading.class).subscribe());
        this.templates.keep(template.subscribe("alarms", group, JsonNode.class).subscribe());
        template.start();
        ConnectionRecord connection = awaitAuthenticated(template);
        this.templates.keep(template.subscribeFanout("readings", JsonNode.class).subscribe());
        List<JsonNode> frames = awaitFrames(connection.id(), 4);

        assertThat(emulator.inboundFrames(connection.id()).get(0).text()).isEqualTo(
                "{\"id\":1,\"action\":\"authenticate\",\"payload\":{\"type\":\"basic\",\"clientId\":\"svc\",\"clientSecret\":\"secret\"}}");
        assertThat(frames).extracting((f) -> f.get("id").asInt()).containsExactly(1, 2, 3, 4);
        assertThat(frames.subList(1, 4)).allSatisfy((f) -> assertThat(f.get("action").asString()).isEqualTo("subscribe"));
        assertThat(frames.get(1).get("payload").asString()).isEqualTo("readings");
        assertThat(frames.get(1).has("groupId")).as("groupId left out, not null").isFalse();
        assertThat(frames.get(2).get("groupId").asString()).isEqualTo(group.toString());
        assertThat(frames.get(3).get("groupId").asString()).matches("[0-9a-f-]{36}");
        ConnectionRecord answered = record(connection.id());
        assertThat(emulator.inboundFrames(connection.id()).subList(1, 4))
            .allSatisfy((f) -> assertThat(f.receivedAt()).isAfterOrEqualTo(answered.authAnswerSentAt()));
        assertThat(emulator.protocolViolations()).isEmpty();
    }

    @Test
    void acceptsSubscribeAsAnswerActionAndRoutesById() {
        emulator.answerAction("subscribe");
        StreamSeaTemplate template = this.templates.start("svc", "secret");
        List<Reading> readings = new CopyOnWriteArrayList<>();
        List<JsonNode> alarms = new CopyOnWriteArrayList<>();
        this.templates.keep(template.subscribe("readings", Reading.class).subscribe(readings::add));
        this.templates.keep(template.subscribe("alarms", JsonNode.class).subscribe(alarms::add));
        awaitJoined(awaitAuthenticated(template).id(), 2);

        for (int i = 0; i < 5; i++) {
            template.publish("readings", new Reading(i, "r", "t")).join();
            template.publish("alarms", Map.of("seq", 100 + i)).join();
        }
        await().atMost(WAIT).until(() -> readings.size() == 5 && alarms.size() == 5);
        assertThat(readings).extracting(Reading::seq).containsExactly(0, 1, 2, 3, 4);
        assertThat(alarms).containsExactlyElementsOf(
                IntStream.range(100, 105).mapToObj((i) -> JSON.readTree("{\"seq\":" + i + "}")).toList());
    }

    @Test
    void aRefusedSubscriptionIsReportedAndTheOthersKeepFlowing() {
        emulator.forbidSubscriptions("alarms");
        try {
            StreamSeaTemplate template = this.templates.start("svc", "secret");
            List<StreamSeaException> errors = new CopyOnWriteArrayList<>();
            this.templates.keep(template.connectionErrors().subscribe(errors::add));
            List<Reading> readings = new CopyOnWriteArrayList<>();
            this.templates.keep(template.subscribe("alarms", JsonNode.class).subscribe());
            this.templates.keep(template.subscribe("readings", Reading.class).subscribe(readings::add));
            await().atMost(WAIT).until(() -> !errors.isEmpty());
            assertThat(errors.get(0)).hasMessageContaining("'alarms'").hasMessageContaining("forbidden");
            awaitJoined(awaitAuthenticated(template).id(), 1);
            template.publish("readings", new Reading(1, "a", "b")).join();
            await().atMost(WAIT).until(() -> readings.size() == 1);
            assertThat(template.connectionState().connected()).isTrue();
        }
        finally {
            emulator.allowSubscriptions("alarms");
        }
    }

    @Test
    void anArrayPayloadIsDeliveredAsOneMessagePerElement() {
        StreamSeaTemplate template = this.templates.start("svc", "secret");
        List<Reading> readings = new CopyOnWriteArrayList<>();
        this.templates.keep(template.subscribe("readings", Reading.class).subscribe(readings::add));
        awaitJoined(awaitAuthenticated(template).id(), 1);
        template.publish("readings", List.of(new Reading(1, "a", "x"), new Reading(2, "a", "y"))).join();
        await().atMost(WAIT).until(() -> readings.size() == 2);
        assertThat(readings).extracting(Reading::seq).containsExactly(1, 2);
    }

    @Test
    void refusedAuthenticationClosesTheSocketReportsATypedErrorAndBacksOff() {
        emulator.authFailureCloseDelay(Duration.ofSeconds(10));
        int before = emulator.connections().size();
        StreamSeaTemplate template = StreamSeaTemplate.create(this.templates.settings("svc", "wrong")
            .reconnect(Duration.ofMillis(300), Duration.ofSeconds(1))
            .build());
        List<StreamSeaException> errors = new CopyOnWriteArrayList<>();
        this.templates.keep(template.connectionErrors().subscribe(errors::add));
        List<Reading> readings = new CopyOnWriteArrayList<>();
        this.templates.keep(template.subscribe("readings", Reading.class).subscribe(readings::add));
        template.start();
        try {
            await().atMost(WAIT).until(() -> !errors.isEmpty());
            assertThat(errors.get(0)).isInstanceOfSatisfying(StreamSeaAuthenticationException.class,
                    (ex) -> assertThat(ex.getServerMessage()).isEqualTo("Invalid credentials"));
            assertThat(template.connectionState().lastError()).isInstanceOf(StreamSeaAuthenticationException.class);

            // Backoff, not a hot loop: each new attempt waits at least the jittered initial delay (300 ms -20 %)
            // after the previous socket closed. A lower bound: a loaded machine only makes the gaps longer.
            await().atMost(WAIT).until(() -> closedAttempts(before).size() >= 3);
            List<ConnectionRecord> attempts = closedAttempts(before);
            for (int i = 1; i < attempts.size(); i++) {
                assertThat(Duration.between(attempts.get(i - 1).closedAt(), attempts.get(i).openedAt()))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(200));
            }
            for (ConnectionRecord attempt : attempts) {
                // The client closed the socket itself (the emulator would wait 10 s) and sent nothing after.
                assertThat(attempt.closedByClient()).isTrue();
                assertThat(emulator.inboundFrames(attempt.id())).hasSize(1);
            }
        }
        finally {
            template.destroy();
        }
    }

    @Test
    void refusedAuthenticationsAreRetriedAndSubscriptionsSurvive() {
        emulator.refuseNextAuthentications(2);
        StreamSeaTemplate template = this.templates.start("svc", "secret");
        List<Reading> readings = new CopyOnWriteArrayList<>();
        this.templates.keep(template.subscribe("readings", Reading.class).subscribe(readings::add));
        awaitJoined(awaitAuthenticated(template).id(), 1);
        template.publish("readings", new Reading(1, "a", "b")).join();
        await().atMost(WAIT).until(() -> readings.size() == 1);
        assertThat(template.connectionState().lastError()).isNull();
        assertThat(template.connectionState().reconnects()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void reconnectsWithFreshIdsAndResubscribesEverything() {
        StreamSeaTemplate template = this.templates.start("svc", "secret",
                (s) -> s.reconnect(Duration.ofMillis(500), Duration.ofSeconds(1)));
        UUID group = UUID.randomUUID();
        List<Reading> byDefault = new CopyOnWriteArrayList<>();
        List<Reading> byGroup = new CopyOnWriteArrayList<>();
        List<Reading> byFanout = new CopyOnWriteArrayList<>();
        this.templates.keep(template.subscribe("readings", Reading.class).subscribe(byDefault::add));
        this.templates.keep(template.subscribe("readings", group, Reading.class).subscribe(byGroup::add));
        this.templates.keep(template.subscribeFanout("readings", Reading.class).subscribe(byFanout::add));
        ConnectionRecord first = awaitAuthenticated(template);
        List<JsonNode> firstFrames = awaitFrames(first.id(), 4);
        awaitJoined(first.id(), 3);
        publish(template, 0, 5);
        await().atMost(WAIT)
            .until(() -> byDefault.size() == 5 && byGroup.size() == 5 && byFanout.size() == 5);

        emulator.dropAllConnections();
        // While waiting to reconnect the state says so.
        await().pollInterval(Duration.ofMillis(20))
            .atMost(WAIT)
            .until(() -> !template.connectionState().connected());
        await().atMost(WAIT).until(() -> emulator.connections().stream()
            .anyMatch((c) -> c.id() > first.id() && c.authenticatedAt() != null));
        ConnectionRecord second = emulator.connections().stream().filter((c) -> c.id() > first.id()).findFirst().get();
        List<JsonNode> secondFrames = awaitFrames(second.id(), 4);
        awaitJoined(second.id(), 3);
        assertThat(secondFrames).extracting((f) -> f.get("id").asInt()).containsExactly(1, 2, 3, 4);
        assertThat(secondFrames.get(0).get("action").asString()).isEqualTo("authenticate");
        assertThat(groupIds(secondFrames).get(0)).isNull();
        assertThat(groupIds(secondFrames).get(1)).isEqualTo(group.toString()).isEqualTo(groupIds(firstFrames).get(1));
        assertThat(groupIds(secondFrames).get(2)).isNotNull().isNotEqualTo(groupIds(firstFrames).get(2));
        assertThat(template.connectionState().reconnects()).isGreaterThanOrEqualTo(1);

        publish(template, 5, 11);
        // Each subscriber's socket keeps order: once seq 10 arrived, a duplicate of 0..9 would have shown.
        await().atMost(WAIT).until(() -> List.of(byDefault, byGroup, byFanout)
            .stream()
            .allMatch((received) -> !received.isEmpty() && received.get(received.size() - 1).seq() == 10));
        for (List<Reading> received : List.of(byDefault, byGroup, byFanout)) {
            assertThat(received).extracting(Reading::seq).containsExactlyElementsOf(IntStream.range(0, 11).boxed().toList());
        }
    }

    @Test
    void answersPingsAndStaysConnectedWhileIdle() {
        emulator.pingInterval(Duration.ofMillis(100));
        // A 3 s watchdog: room for a GC pause, yet shorter than the idle period below.
        StreamSeaTemplate template = this.templates.start("svc", "secret",
                (s) -> s.idleTimeout(Duration.ofSeconds(3)));
        ConnectionRecord connection = awaitAuthenticated(template);
        await().atMost(WAIT).until(() -> record(connection.id()).pongs() >= 5);
        Instant afterFivePings = template.connectionState().lastFrameAt();
        // Idle for 40 pings, at least 4 s: longer than the watchdog, which only the pings kept quiet.
        await().atMost(WAIT).until(() -> record(connection.id()).pongs() >= 40);
        assertThat(record(connection.id()).isOpen()).isTrue();
        assertThat(template.connectionState().reconnects()).isZero();
        // Only pings arrived after the authentication answer, and they count as signs of life.
        assertThat(template.connectionState().lastFrameAt()).isAfter(afterFivePings);
    }

    @Test
    void reconnectsWhenTheServerFallsSilent() {
        // Pings every 30 s: the 500 ms watchdog must replace the silent socket.
        StreamSeaTemplate template = this.templates.start("svc", "secret",
                (s) -> s.idleTimeout(Duration.ofMillis(500)));
        ConnectionRecord connection = awaitAuthenticated(template);
        await().atMost(WAIT).until(() -> !record(connection.id()).isOpen());
        assertThat(record(connection.id()).closedByClient()).isTrue();
        await().atMost(WAIT).until(() -> template.connectionState().reconnects() >= 1);
    }

    @Test
    void malformedFramesAreSkippedAndLargeFramesArriveIntact() {
        StreamSeaTemplate template = this.templates.start("svc", "secret");
        List<Reading> readings = new CopyOnWriteArrayList<>();
        this.templates.keep(template.subscribe("readings", Reading.class).subscribe(readings::add));
        ConnectionRecord connection = awaitAuthenticated(template);
        awaitJoined(connection.id(), 1);
        template.publish("readings", new Reading(1, "a", "before")).join();
        emulator.injectUnknownIdFrame();
        emulator.injectFrameWithoutId();
        emulator.injectNonJsonFrame();
        String large = "0123456789abcdef".repeat(16 * 1024); // 256 KiB, four times Reactor Netty's default limit
        template.publish("readings", new Reading(2, "a", large)).join();
        template.publish("readings", new Reading(3, "a", "after")).join();
        await().atMost(WAIT).until(() -> readings.size() == 3);
        assertThat(readings).extracting(Reading::seq).containsExactly(1, 2, 3);
        assertThat(readings.get(1).text()).isEqualTo(large);
        assertThat(template.connectionState().malformedFrames()).isEqualTo(3);
        assertThat(record(connection.id()).isOpen()).isTrue();
        assertThat(template.connectionState().reconnects()).isZero();
    }

    private static void publish(StreamSeaTemplate template, int from, int to) {
        for (int i = from; i < to; i++) {
            template.publish("readings", new Reading(i, "p", "m")).join();
        }
    }

    private static List<ConnectionRecord> closedAttempts(int before) {
        List<ConnectionRecord> all = emulator.connections();
        return all.subList(before, all.size()).stream().filter((c) -> !c.isOpen()).toList();
    }

    private static List<String> groupIds(List<JsonNode> frames) {
        return frames.subList(1, frames.size())
            .stream()
            .map((f) -> f.has("groupId") ? f.get("groupId").asString() : null)
            .toList();
    }

    static ConnectionRecord awaitAuthenticated(StreamSeaTemplate template) {
        return new Templates(emulator).awaitAuthenticated(template);
    }

    static List<JsonNode> awaitFrames(int connectionId, int count) {
        await().atMost(WAIT).until(() -> emulator.inboundFrames(connectionId).size() >= count);
        return emulator.inboundMessages(connectionId);
    }

    /** Acks go out just before the subscriber joins its group: wait for the join the emulator reports. */
    static void awaitJoined(int connectionId, int subscriptions) {
        await().atMost(WAIT).until(() -> emulator.joinedSubscriptions(connectionId) >= subscriptions);
    }

    static ConnectionRecord record(int id) {
        return emulator.connections().stream().filter((c) -> c.id() == id).findFirst().orElseThrow();
    }

    static List<RecordedFrame> frames(int id) {
        return emulator.inboundFrames(id);
    }
}
