package dev.iotspring.spotflow;

import org.junit.jupiter.api.Test;

import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttConnectionLostException;
import dev.iotspring.spotflow.autoconfigure.SpotflowEmulatorSupport;
import dev.iotspring.test.spotflow.StreamMessage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stall seen once in a full-suite run: the MQTT connection reports a loss on the thread that saw it, after its
 * state changed, and a busy machine can delay that thread past the next connect and its twin answer. The hub must
 * not close the gate on the working connection (no later connect would open it again).
 */
class SpotflowHubLateReportTests extends SpotflowEmulatorSupport {

    @Test
    void aLossReportedAfterTheNextConnectLeavesMessagesFlowing() {
        runner(emulator, this.storage, this.deviceId, "iot.spotflow.send-timeout=5s").run((context) -> {
            SpotflowSender sender = context.getBean(SpotflowSender.class);
            SpotflowHub hub = context.getBean(SpotflowHub.class);
            sender.sendMessage("before");
            MqttConnection connection = hub.connection();
            assertThat(connection).isNotNull();
            // The report as it arrives when late: the connection is already up again and its twin was answered.
            hub.onDisconnected(connection, new MqttConnectionLostException("connection lost (reported late)", null));
            assertThat(hub.isReady()).isTrue();
            sender.sendMessage("after");
            assertThat(emulator.streamMessages()).extracting(StreamMessage::bodyAsString)
                .containsExactly("before", "after");
        });
    }
}
