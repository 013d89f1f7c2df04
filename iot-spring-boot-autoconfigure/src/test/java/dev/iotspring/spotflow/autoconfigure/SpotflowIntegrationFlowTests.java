package dev.iotspring.spotflow.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.iotspring.core.config.IotValidationException;
import dev.iotspring.integration.IotHeaders;
import dev.iotspring.integration.IotIntegration;
import dev.iotspring.integration.TestChannels;
import dev.iotspring.spotflow.SpotflowSender;
import dev.iotspring.test.spotflow.StreamMessage;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHandlingException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A Spring Integration flow into the auto-configured Spotflow sender and the emulator (here to reuse this package's
 * emulator support): payloads reach the hub in order on the handler's stream, the Spotflow headers become the
 * stream and batch ids, each acknowledged message reaches the output channel, and a payload that is neither bytes
 * nor text is refused at once.
 */
class SpotflowIntegrationFlowTests extends SpotflowEmulatorSupport {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void messagesReachTheHubInOrderWithTheirStreamAndBatchIds() {
        runner(emulator, this.storage, this.deviceId).withUserConfiguration(Flows.class).run((context) -> {
            MessageChannel readings = context.getBean("readings", MessageChannel.class);
            for (int i = 0; i < 10; i++) {
                readings.send(MessageBuilder.withPayload(Integer.toString(i)).build());
            }
            readings.send(MessageBuilder.withPayload("batched".getBytes())
                .setHeader(IotHeaders.SPOTFLOW_STREAM_GROUP, "other")
                .setHeader(IotHeaders.SPOTFLOW_STREAM, "s")
                .setHeader(IotHeaders.SPOTFLOW_BATCH_ID, "b-1")
                .setHeader(IotHeaders.SPOTFLOW_MESSAGE_ID, "m-1")
                .build());
            assertThatThrownBy(() -> readings.send(MessageBuilder.withPayload(List.of(1)).build()))
                .isInstanceOf(MessageHandlingException.class)
                .cause()
                .isInstanceOfSatisfying(IotValidationException.class,
                        (ex) -> assertThat(ex.getField()).isEqualTo("payload"));

            QueueChannel acknowledged = context.getBean("acknowledged", QueueChannel.class);
            for (int i = 0; i < 11; i++) {
                assertThat(acknowledged.receive(TIMEOUT.toMillis())).as("acknowledgement %d", i).isNotNull();
            }
            assertThat(context.getBean(SpotflowSender.class).pendingMessagesCount()).isZero();
            String prefix = "devices/" + emulator.hubDeviceId(this.deviceId) + "/messages/events/";
            List<StreamMessage> messages = emulator.awaitStreamMessages(11, TIMEOUT);
            assertThat(messages.subList(0, 10)).extracting(StreamMessage::bodyAsString)
                .containsExactlyElementsOf(IntStream.range(0, 10).mapToObj(Integer::toString).toList());
            assertThat(messages.get(0).topic()).isEqualTo(prefix + "stream-group-name=plant&stream-name=temps");
            assertThat(messages.get(10).topic())
                .isEqualTo(prefix + "stream-group-name=other&stream-name=s&batch-id=b-1&message-id=m-1");
        });
    }

    @Configuration(proxyBeanMethods = false)
    @Import(TestChannels.class)
    static class Flows {

        @Bean
        IntegrationFlow readingFlow(SpotflowSender sender) {
            return IntegrationFlow.from("readings")
                .handle(IotIntegration.spotflow(sender).stream("plant", "temps"))
                .channel("acknowledged")
                .get();
        }
    }
}
