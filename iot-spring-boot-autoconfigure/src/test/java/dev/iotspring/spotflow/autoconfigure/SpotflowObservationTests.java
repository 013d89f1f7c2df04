package dev.iotspring.spotflow.autoconfigure;

import java.nio.charset.StandardCharsets;

import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;

import dev.iotspring.spotflow.MessageOptions;
import dev.iotspring.spotflow.SpotflowSender;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;

/**
 * {@code iot.spotflow.observation-enabled}: each {@code sendMessage} to the Spotflow emulator is an Observation of
 * the call to the acknowledgement, named by stream group and stream; {@code forStream} senders too.
 */
class SpotflowObservationTests extends SpotflowEmulatorSupport {

    @Test
    void eachSendMessageIsObservedUntilItsAcknowledgement() {
        TestObservationRegistry observations = TestObservationRegistry.create();
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId, "iot.spotflow.observation-enabled=true",
                "iot.spotflow.default-stream-group=plant", "iot.spotflow.default-stream=temps")
            .withBean(ObservationRegistry.class, () -> observations)
            .run((context) -> {
                SpotflowSender sender = context.getBean(SpotflowSender.class);
                sender.sendMessage("21.5".getBytes(StandardCharsets.UTF_8),
                        MessageOptions.builder().messageId("m-1").build());
                sender.forStream("other", "stream").sendMessage("x");

                assertThat(observations).hasNumberOfObservationsWithNameEqualTo("iot.message.send", 2)
                    .forAllObservationsWithNameEqualTo("iot.message.send", (observation) -> observation
                        .hasLowCardinalityKeyValue("iot.platform", "spotflow")
                        .hasLowCardinalityKeyValue("iot.destination.kind", "stream")
                        .hasLowCardinalityKeyValue("iot.outcome", "success"))
                    .hasAnObservation((observation) -> observation
                        .hasHighCardinalityKeyValue("iot.destination", "plant/temps")
                        .hasHighCardinalityKeyValue("iot.message.id", "m-1"))
                    .hasAnObservation((observation) -> observation
                        .hasHighCardinalityKeyValue("iot.destination", "other/stream"));
            });
    }
}
