package dev.iotspring.streamsea;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.delivery.MessageRejectedException;
import dev.iotspring.core.observation.IotObservations;
import dev.iotspring.streamsea.Templates.Reading;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Publishes and subscription deliveries as Observations against the stream-sea emulator: a publish ends with
 * the server's answer (2xx success, a refusal failure), each delivery is observed while the subscriber runs.
 */
class StreamSeaObservationTests {

    static StreamSeaEmulator emulator;

    final Templates templates = new Templates(emulator);

    final TestObservationRegistry observations = TestObservationRegistry.create();

    @BeforeAll
    static void startEmulator() {
        emulator = new StreamSeaEmulator().addClient("jail", "svc", "secret").start();
        Templates.defineStreams(emulator, "svc", "secret", Templates.READINGS);
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }

    @AfterEach
    void cleanUp() {
        this.templates.close();
    }

    @Test
    void publishesEndWithTheServersAnswerAndDeliveriesWithTheSubscriber() {
        StreamSeaTemplate template = this.templates.start("svc", "secret");
        template.setObservations(IotObservations.of(this.observations, "streamsea", null, null));
        List<Reading> received = new CopyOnWriteArrayList<>();
        this.templates.keep(template.subscribe("readings", Reading.class).subscribe(received::add));
        this.templates.awaitJoined(template, 1);

        for (int i = 0; i < 3; i++) {
            assertThat(template.publish("readings", new Reading(i, "p", "m"))).succeedsWithin(Duration.ofSeconds(30));
        }
        assertThat(template.publish("no-such-stream", new Reading(9, "p", "m"))).failsWithin(Duration.ofSeconds(30))
            .withThrowableThat()
            .havingCause()
            .isInstanceOf(MessageRejectedException.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 3);

        assertThat(this.observations).hasNumberOfObservationsWithNameEqualTo("iot.message.send", 4)
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
