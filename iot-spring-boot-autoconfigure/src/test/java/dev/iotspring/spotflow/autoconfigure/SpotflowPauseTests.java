package dev.iotspring.spotflow.autoconfigure;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.iotspring.spotflow.SpotflowSender;
import dev.iotspring.test.spotflow.SpotflowEndpoint;
import dev.iotspring.test.spotflow.StreamMessage;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A context stopped and started again, as Spring's test framework pauses a cached context while another test's
 * runs and restarts it when a test needs it again: the device keeps its registration and goes on sending.
 */
@ExtendWith(OutputCaptureExtension.class)
class SpotflowPauseTests extends SpotflowEmulatorSupport {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void aPausedContextResumesWithItsRegistrationAndSendsAgain(CapturedOutput output) {
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
            SpotflowSender sender = context.getBean(SpotflowSender.class);
            sender.sendMessage("before");
            int provisioned = emulator.requests(SpotflowEndpoint.INIT).size();
            int registered = emulator.requests(SpotflowEndpoint.REGISTER).size();

            context.pause();
            assertThat(sender.isConnected()).isFalse();
            context.restart();

            await().atMost(TIMEOUT).until(sender::isConnected);
            sender.sendMessage("after");
            List<StreamMessage> messages = emulator.awaitStreamMessages(2, TIMEOUT);
            assertThat(messages).extracting(StreamMessage::bodyAsString).containsExactly("before", "after");
            assertThat(emulator.requests(SpotflowEndpoint.INIT)).as("provisioned again").hasSize(provisioned);
            assertThat(emulator.requests(SpotflowEndpoint.REGISTER).size()).as("registrations")
                .isLessThanOrEqualTo(registered + 1);
        });
        assertThat(output.getAll()).doesNotContain("the hub or device changed");
        assertThat(output.getAll().split("waiting for approval", -1)).as("provisioning operations").hasSize(2);
    }
}
