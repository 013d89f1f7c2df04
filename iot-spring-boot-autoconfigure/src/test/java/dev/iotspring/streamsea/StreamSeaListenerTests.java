package dev.iotspring.streamsea;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.delivery.MessageRejectedException;
import dev.iotspring.core.observation.IotObservations;
import dev.iotspring.streamsea.Templates.Reading;
import dev.iotspring.streamsea.autoconfigure.StreamSeaAutoConfiguration;
import dev.iotspring.streamsea.autoconfigure.StreamSeaMetrics;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code @StreamSeaListener} methods in a real application context against the emulator; publishes and deliveries
 * as Observations.
 */
class StreamSeaListenerTests {

    static final UUID GROUP = UUID.fromString("3f1c2a9e-5b7d-4c11-9a0e-6d2f8b41c7aa");

    static StreamSeaEmulator emulator;

    final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class, StreamSeaAutoConfiguration.class))
        .withPropertyValues("iot.stream-sea.enabled=true", "iot.stream-sea.remote-host=127.0.0.1",
                "iot.stream-sea.secure=false", "iot.stream-sea.client-id=svc", "iot.stream-sea.client-secret=secret",
                "iot.stream-sea.reconnect.initial-delay=100ms", "app.stream=readings", "app.group=" + GROUP);

    @BeforeAll
    static void startEmulator() {
        emulator = new StreamSeaEmulator().addClient("jail", "svc", "secret").start();
        Templates.defineStreams(emulator, "svc", "secret", Templates.READINGS);
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }

    @Test
    void listenersReceiveTypedPayloadsAndSurviveTheirOwnErrors() {
        this.runner.withPropertyValues("iot.stream-sea.remote-port=" + emulator.port())
            .withUserConfiguration(ListenerConfiguration.class)
            .run((context) -> {
                assertThat(context).hasNotFailed();
                Listeners listeners = context.getBean(Listeners.class);
                StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
                StreamSeaListenerEndpointRegistry registry = context.getBean(StreamSeaListenerEndpointRegistry.class);
                assertThat(registry.getEndpoints()).hasSize(3);
                await().atMost(Duration.ofSeconds(5)).until(() -> emulator.subscriberCount("jail", "readings") == 3);

                int connection = emulator.connections().get(emulator.connections().size() - 1).id();
                List<JsonNode> subscribes = emulator.inboundMessages(connection).subList(1, 4);
                assertThat(subscribes).extracting((f) -> f.get("payload").asString()).containsOnly("readings");
                assertThat(subscribes).filteredOn((f) -> f.has("groupId"))
                    .extracting((f) -> f.get("groupId").asString())
                    .hasSize(2)
                    .contains(GROUP.toString());
                assertThat(emulator.groups("jail", "readings")).containsKeys("default:svc", "group:" + GROUP);

                for (int i = 1; i <= 3; i++) {
                    template.publish("readings", new Reading(i, "s", "t")).join();
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> listeners.typed.size() == 2
                        && listeners.grouped.size() == 3 && listeners.fanout.size() == 3);
                // Reading 2 made the typed listener throw; it was counted and the next one still arrived.
                assertThat(listeners.typed).extracting(Reading::seq).containsExactly(1, 3);
                assertThat(listeners.grouped).extracting((n) -> n.get("seq").asInt()).containsExactly(1, 2, 3);
                assertThat(listeners.fanout).extracting((m) -> m.get("text")).containsOnly("t");
                // Generic parameter types are honoured: the number arrives as the declared String.
                assertThat(listeners.fanout).extracting((m) -> m.get("seq")).containsExactly("1", "2", "3");
                assertThat(registry.getErrorCount()).isEqualTo(1);
                MeterRegistry meters = new SimpleMeterRegistry();
                context.getBean(StreamSeaMetrics.class).bindTo(meters);
                assertThat(meters.get("iot.stream-sea.listener.errors").functionCounter().count()).isOne();
                assertThat(meters.get("iot.messages.sent").functionCounter().count()).isEqualTo(3);
                template.publish("readings", new Reading(4, "s", "t")).join();
                // The future completes before the dispatcher's other listeners (the timer) ran.
                await().atMost(Duration.ofSeconds(5))
                    .until(() -> meters.get("iot.publish.latency").tag("platform", "streamsea").timer().count() == 1);
            });
    }

    @Test
    void aListenerWithTwoParametersFailsTheStart() {
        this.runner.withPropertyValues("iot.stream-sea.remote-port=" + emulator.port())
            .withBean(TwoParameters.class)
            .run((context) -> assertThat(context).getFailure()
                .rootCause()
                .hasMessageContaining("TwoParameters#on")
                .hasMessageContaining("exactly one parameter"));
    }

    @Test
    void aGroupThatIsNotAUuidFailsTheStart() {
        this.runner.withPropertyValues("iot.stream-sea.remote-port=" + emulator.port(), "app.group=not-a-uuid")
            .withBean(Listeners.class)
            .run((context) -> assertThat(context).getFailure().rootCause().hasMessageContaining("not a UUID"));
    }

    @Configuration(proxyBeanMethods = false)
    static class ListenerConfiguration {

        @Bean
        Listeners listeners() {
            return new Listeners();
        }
    }

    static class Listeners {

        final List<Reading> typed = new CopyOnWriteArrayList<>();

        final List<JsonNode> grouped = new CopyOnWriteArrayList<>();

        final List<Map<String, String>> fanout = new CopyOnWriteArrayList<>();

        @StreamSeaListener(stream = "readings")
        void onReading(Reading reading) {
            if (reading.seq() == 2) {
                throw new IllegalStateException("listener failure on purpose");
            }
            this.typed.add(reading);
        }

        @StreamSeaListener(stream = "${app.stream}", group = "${app.group}")
        void onGrouped(JsonNode payload) {
            this.grouped.add(payload);
        }

        @StreamSeaListener(stream = "readings", fanout = true)
        void onFanout(Map<String, String> payload) {
            this.fanout.add(payload);
        }
    }

    static class TwoParameters {

        @StreamSeaListener(stream = "readings")
        void on(Reading reading, String extra) {
        }
    }

    /** Publishes end with the server's answer (a refusal is a failure); deliveries with the subscriber. */
    @Test
    void publishesEndWithTheServersAnswerAndDeliveriesWithTheSubscriber() {
        TestObservationRegistry observations = TestObservationRegistry.create();
        try (Templates templates = new Templates(emulator)) {
            publishesAndDeliveriesAreObserved(templates, observations);
        }
    }

    private void publishesAndDeliveriesAreObserved(Templates templates, TestObservationRegistry observations) {
        StreamSeaTemplate template = templates.start("svc", "secret");
        template.setObservations(IotObservations.of(observations, "streamsea", null, null));
        List<Reading> received = new CopyOnWriteArrayList<>();
        templates.keep(template.subscribe("readings", Reading.class).subscribe(received::add));
        templates.awaitJoined(template, 1);

        for (int i = 0; i < 3; i++) {
            assertThat(template.publish("readings", new Reading(i, "p", "m"))).succeedsWithin(Duration.ofSeconds(30));
        }
        assertThat(template.publish("no-such-stream", new Reading(9, "p", "m"))).failsWithin(Duration.ofSeconds(30))
            .withThrowableThat()
            .havingCause()
            .isInstanceOf(MessageRejectedException.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 3);

        TestObservationRegistryAssert.assertThat(observations)
            .hasNumberOfObservationsWithNameEqualTo("iot.message.send", 4)
            .hasNumberOfObservationsWithNameEqualTo("iot.message.receive", 3)
            .forAllObservationsWithNameEqualTo("iot.message.receive", (observation) -> observation
                .hasLowCardinalityKeyValue("iot.platform", "streamsea")
                .hasLowCardinalityKeyValue("iot.destination.kind", "stream")
                .hasHighCardinalityKeyValue("iot.destination", "readings"))
            .hasAnObservation((observation) -> observation.hasNameEqualTo("iot.message.send")
                .hasHighCardinalityKeyValue("iot.destination", "no-such-stream")
                .hasLowCardinalityKeyValue("iot.outcome", "failure"))
            .hasAnObservation((observation) -> observation.hasNameEqualTo("iot.message.send")
                .hasHighCardinalityKeyValue("iot.destination", "readings")
                .hasLowCardinalityKeyValue("iot.outcome", "success"));
    }
}
