package dev.iotspring.stellanow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.delivery.MessageDroppedException;
import dev.iotspring.integration.IotHeaders;
import dev.iotspring.integration.IotIntegration;
import dev.iotspring.integration.TestChannels;
import dev.iotspring.test.stellanow.StellaNowEmulator;
import dev.iotspring.test.stellanow.StellaNowEmulator.ReceivedEvent;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHandlingException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Spring Integration flow into the auto-configured template and the shared emulator (its tests live here to share
 * the one broker of this package's integration tests): headers become event type and entities, events reach the
 * broker in order, each PUBACK puts a {@link SendResult} on the output channel, and a message the overflow rule
 * drops reaches the error channel.
 */
class StellaNowIntegrationFlowTests {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    final StellaNowEmulator emulator = SharedEmulator.get();

    @BeforeEach
    void reset() {
        SharedEmulator.reset();
    }

    @Test
    void headersBecomeEventTypeAndEntitiesAndEventsArriveInOrder() {
        SharedEmulator.runner().withUserConfiguration(Flows.class).run((context) -> {
            MessageChannel events = context.getBean("events", MessageChannel.class);
            Map<String, String> entities = new LinkedHashMap<>();
            entities.put("patron", "patron-42");
            entities.put("local_shop", "shop-7");
            for (int i = 0; i < 20; i++) {
                events.send(MessageBuilder.withPayload(Map.of("n", i))
                    .setHeader(IotHeaders.STELLANOW_EVENT_TYPE, (i == 0) ? "store_receipt" : "counter")
                    .setHeader(IotHeaders.STELLANOW_ENTITIES, entities)
                    .build());
            }
            QueueChannel acknowledged = context.getBean("acknowledged", QueueChannel.class);
            List<String> ackedIds = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Message<?> ack = acknowledged.receive(TIMEOUT.toMillis());
                assertThat(ack).as("acknowledgement %d", i).isNotNull();
                ackedIds.add(((SendResult) ack.getPayload()).messageId());
            }
            List<ReceivedEvent> received = SharedEmulator.eventsFrom(SharedEmulator.clientId(context));
            assertThat(received).extracting((e) -> e.payload().get("n").asInt())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).boxed().toList());
            assertThat(received).extracting(ReceivedEvent::messageId).containsExactlyElementsOf(ackedIds);
            assertThat(received.get(0).eventType()).isEqualTo("store_receipt");
            assertThat(received.get(1).eventType()).isEqualTo("counter");
            assertThat(received.get(0).envelope().at("/value/metadata/entityTypeIds/1/entityId").asString())
                .isEqualTo("shop-7");
            assertThat(received.get(0).envelope().at("/key/entityId").asString()).isEqualTo("patron-42");
        });
    }

    @Test
    void aMessageTheOverflowRuleDropsReachesTheErrorChannel() {
        this.emulator.broker().refuseConnects(true);
        SharedEmulator.runner("iot.stellanow.queue.max-size=1", "iot.stellanow.queue.overflow=drop-oldest")
            .withUserConfiguration(Flows.class)
            .run((context) -> {
                MessageChannel counters = context.getBean("counters", MessageChannel.class);
                counters.send(MessageBuilder.withPayload(Map.of("n", 0)).build());
                counters.send(MessageBuilder.withPayload(Map.of("n", 1)).build());

                Message<?> error = context.getBean("failures", QueueChannel.class).receive(TIMEOUT.toMillis());
                assertThat(error).isNotNull();
                MessageHandlingException failure = (MessageHandlingException) error.getPayload();
                assertThat(failure.getCause()).isInstanceOf(MessageDroppedException.class);
                assertThat(failure.getFailedMessage().getPayload()).isEqualTo(Map.of("n", 0));

                this.emulator.broker().refuseConnects(false);
                Message<?> ack = context.getBean("acknowledged", QueueChannel.class).receive(TIMEOUT.toMillis());
                assertThat(ack).isNotNull();
                assertThat(SharedEmulator.numbersFrom(SharedEmulator.clientId(context))).containsExactly(1);
            });
    }

    @Configuration(proxyBeanMethods = false)
    @Import(TestChannels.class)
    static class Flows {

        @Bean
        IntegrationFlow eventFlow(StellaNowOperations stellaNow) {
            return IntegrationFlow.from("events")
                .handle(IotIntegration.stellaNow(stellaNow))
                .channel("acknowledged")
                .get();
        }

        @Bean
        IntegrationFlow counterFlow(StellaNowOperations stellaNow) {
            return IntegrationFlow.from("counters")
                .enrichHeaders((h) -> h.errorChannel("failures"))
                .handle(IotIntegration.stellaNow(stellaNow)
                    .eventType("counter")
                    .entities((m) -> List.of(EntityRef.of("device", "d-1"))))
                .channel("acknowledged")
                .get();
        }
    }
}
