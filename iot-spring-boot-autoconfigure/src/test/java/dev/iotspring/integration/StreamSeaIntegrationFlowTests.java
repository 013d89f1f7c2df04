package dev.iotspring.integration;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.config.IotValidationException;
import dev.iotspring.streamsea.FieldType;
import dev.iotspring.streamsea.SchemaDefinition;
import dev.iotspring.streamsea.StreamSeaClientSettings;
import dev.iotspring.streamsea.StreamSeaOperations;
import dev.iotspring.streamsea.StreamSeaPublishRejectedException;
import dev.iotspring.streamsea.StreamSeaTemplate;
import dev.iotspring.streamsea.autoconfigure.StreamSeaAutoConfiguration;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHandlingException;
import org.springframework.messaging.support.ErrorMessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Integration flows over the auto-configured stream-sea template and the emulator: publishes in order with the
 * acknowledged ones on the output channel, a refused publish on the error channel, subscriptions feeding a
 * channel, and a slow channel that makes the inbound adapter drop (never block) the platform's deliveries.
 */
class StreamSeaIntegrationFlowTests {

    static final Duration WAIT = Duration.ofSeconds(30);

    static StreamSeaEmulator emulator;

    @TempDir
    Path storage;

    @BeforeAll
    static void startEmulator() {
        emulator = new StreamSeaEmulator().addClient("jail", "svc", "top-secret").start();
        StreamSeaTemplate setup = StreamSeaTemplate.create(StreamSeaClientSettings.builder("127.0.0.1", "svc")
            .port(emulator.port())
            .secure(false)
            .clientSecret("top-secret")
            .build());
        setup.defineStream(SchemaDefinition.builder("readings", 1).field("seq", FieldType.INTEGER).build());
        setup.defineStream(SchemaDefinition.builder("alerts", 1).field("seq", FieldType.INTEGER).build());
        setup.destroy();
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }

    @AfterEach
    void clear() {
        emulator.clearRecordings();
    }

    ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class, StreamSeaAutoConfiguration.class))
            .withUserConfiguration(Flows.class)
            .withPropertyValues("iot.stream-sea.enabled=true", "iot.stream-sea.remote-host=127.0.0.1",
                    "iot.stream-sea.remote-port=" + emulator.port(), "iot.stream-sea.secure=false",
                    "iot.stream-sea.client-id=svc", "iot.stream-sea.client-secret=top-secret",
                    "iot.stream-sea.reconnect.initial-delay=100ms", "iot.stream-sea.reconnect.max-delay=200ms",
                    "iot.storage.directory=" + this.storage);
    }

    @Test
    void messagesArriveInOrderAndEachAcknowledgedOneReachesTheOutputChannel() {
        runner().run((context) -> {
            MessageChannel publish = context.getBean("publish", MessageChannel.class);
            for (int i = 0; i < 50; i++) {
                publish.send(MessageBuilder.withPayload(Map.of("seq", i)).build());
            }
            QueueChannel acknowledged = context.getBean("acknowledged", QueueChannel.class);
            List<Object> acked = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                Message<?> ack = acknowledged.receive(WAIT.toMillis());
                assertThat(ack).as("acknowledgement %d", i).isNotNull();
                acked.add(((Map<?, ?>) ack.getPayload()).get("seq"));
            }
            assertThat(acked).containsExactlyElementsOf(range(50));
            assertThat(emulator.acceptedPayloads("readings")).extracting((p) -> p.get("seq").asInt())
                .containsExactlyElementsOf(range(50));
        });
    }

    @Test
    void aRefusedPublishReachesTheErrorChannelAndAMessageWithoutAStreamIsRefusedAtOnce() {
        runner().run((context) -> {
            MessageChannel publish = context.getBean("publish", MessageChannel.class);
            publish.send(MessageBuilder.withPayload(Map.of("seq", 1)).build());
            publish.send(MessageBuilder.withPayload(Map.of("seq", "not a number")).build());
            publish.send(MessageBuilder.withPayload(Map.of("seq", 3)).build());

            Message<?> error = context.getBean("failures", QueueChannel.class).receive(WAIT.toMillis());
            assertThat(error).isInstanceOf(ErrorMessage.class);
            MessageHandlingException failure = (MessageHandlingException) error.getPayload();
            assertThat(failure.getCause()).isInstanceOf(StreamSeaPublishRejectedException.class);
            assertThat(failure.getFailedMessage().getPayload()).isEqualTo(Map.of("seq", "not a number"));
            assertThat(failure.getMessage()).contains("streamsea");

            QueueChannel acknowledged = context.getBean("acknowledged", QueueChannel.class);
            assertThat(acknowledged.receive(WAIT.toMillis()).getPayload()).isEqualTo(Map.of("seq", 1));
            assertThat(acknowledged.receive(WAIT.toMillis()).getPayload()).isEqualTo(Map.of("seq", 3));
            assertThat(emulator.acceptedPayloads("readings")).extracting((p) -> p.get("seq").asInt())
                .containsExactly(1, 3);

            // A caller error is thrown to the sender at once, nothing queued.
            MessageChannel anyStream = context.getBean("publishAnywhere", MessageChannel.class);
            assertThatThrownBy(() -> anyStream.send(MessageBuilder.withPayload(Map.of("seq", 1)).build()))
                .isInstanceOf(MessageHandlingException.class)
                .cause()
                .isInstanceOfSatisfying(IotValidationException.class,
                        (ex) -> assertThat(ex.getField()).isEqualTo(IotHeaders.STREAMSEA_STREAM));
            assertThat(context.getBean(StreamSeaOperations.class).pendingMessages()).isZero();

            anyStream.send(MessageBuilder.withPayload(Map.of("seq", 7))
                .setHeader(IotHeaders.STREAMSEA_STREAM, "alerts")
                .build());
            await().atMost(WAIT).until(() -> emulator.acceptedPayloads("alerts").size() == 1);
        });
    }

    @Test
    void inSyncModeTheSenderReturnsAfterTheAcknowledgementAndGetsTheRefusal() {
        runner().run((context) -> {
            MessageChannel publishAndWait = context.getBean("publishAndWait", MessageChannel.class);
            publishAndWait.send(MessageBuilder.withPayload(Map.of("seq", 1)).build());
            // Acknowledged before send returned: no waiting needed.
            assertThat(emulator.acceptedPayloads("alerts")).extracting((p) -> p.get("seq").asInt()).containsExactly(1);
            assertThat(context.getBean("acknowledged", QueueChannel.class).receive(0)).isNotNull();

            assertThatThrownBy(() -> publishAndWait.send(MessageBuilder.withPayload(Map.of("seq", "x")).build()))
                .isInstanceOf(MessageHandlingException.class)
                .hasCauseInstanceOf(StreamSeaPublishRejectedException.class);
            assertThat(context.getBean("failures", QueueChannel.class).receive(0)).isNull();
        });
    }

    @Test
    void aNextStepThatFailsOnTheAcknowledgementReachesTheErrorChannel() {
        runner().run((context) -> {
            context.getBean("publishThenFail", MessageChannel.class)
                .send(MessageBuilder.withPayload(Map.of("seq", 5)).build());
            Message<?> error = context.getBean("failures", QueueChannel.class).receive(WAIT.toMillis());
            assertThat(error).isInstanceOf(ErrorMessage.class);
            assertThat(((Throwable) error.getPayload())).hasRootCauseMessage("downstream failed");
            assertThat(emulator.acceptedPayloads("alerts")).hasSize(1);
        });
    }

    @Test
    void subscribedMessagesArriveOnTheChannelInOrderWithTheStreamHeader() {
        runner().run((context) -> {
            await().atMost(WAIT).until(() -> emulator.subscriberCount("jail", "alerts") >= 1);
            StreamSeaOperations streamSea = context.getBean(StreamSeaOperations.class);
            for (int i = 0; i < 20; i++) {
                streamSea.publish("alerts", Map.of("seq", i));
            }
            QueueChannel received = context.getBean("received", QueueChannel.class);
            List<Integer> seqs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Message<?> message = received.receive(WAIT.toMillis());
                assertThat(message).as("delivery %d", i).isNotNull();
                assertThat(message.getHeaders()).containsEntry(IotHeaders.STREAMSEA_STREAM, "alerts");
                seqs.add(((JsonNode) message.getPayload()).get("seq").asInt());
            }
            assertThat(seqs).containsExactlyElementsOf(range(20));
        });
    }

    @Test
    void aSlowChannelMakesTheAdapterDropNewDeliveriesInsteadOfHoldingUpTheConnection() throws Exception {
        runner().withUserConfiguration(SlowFlow.class).run((context) -> {
            SlowFlow slow = context.getBean(SlowFlow.class);
            await().atMost(WAIT).until(() -> emulator.subscriberCount("jail", "readings") >= 1);
            for (int i = 0; i < 20; i++) {
                emulator.injectDelivery("jail", "readings", "{\"seq\":" + i + "}");
            }
            // The consumer holds the first message; 2 wait in the buffer; the connection still reads the rest.
            assertThat(slow.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            StreamSeaMessageDrivenChannelAdapter adapter = context.getBean("slowInbound",
                    StreamSeaMessageDrivenChannelAdapter.class);
            await().atMost(WAIT).until(() -> adapter.droppedMessages() == 17);
            slow.release.countDown();
            await().atMost(WAIT).until(() -> slow.seen.size() == 3);
            assertThat(slow.seen).containsExactly(0, 1, 2);
            assertThat(context.getBean(StreamSeaOperations.class).isConnected()).isTrue();
        });
    }

    static List<Integer> range(int count) {
        List<Integer> values = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            values.add(i);
        }
        return values;
    }

    @Configuration(proxyBeanMethods = false)
    @Import(TestChannels.class)
    static class Flows {

        @Bean
        IntegrationFlow publishReadings(StreamSeaOperations streamSea) {
            return IntegrationFlow.from("publish")
                .enrichHeaders((h) -> h.errorChannel("failures"))
                .handle(IotIntegration.streamSea(streamSea).stream("readings"))
                .channel("acknowledged")
                .get();
        }

        @Bean
        IntegrationFlow publishToHeaderStream(StreamSeaOperations streamSea) {
            return IntegrationFlow.from("publishAnywhere")
                .handle(IotIntegration.streamSea(streamSea))
                .get();
        }

        @Bean
        IntegrationFlow publishAlertsAndWait(StreamSeaOperations streamSea) {
            return IntegrationFlow.from("publishAndWait")
                .enrichHeaders((h) -> h.errorChannel("failures"))
                .handle(IotIntegration.streamSea(streamSea).stream("alerts").async(false))
                .channel("acknowledged")
                .get();
        }

        @Bean
        IntegrationFlow publishThenFailFlow(StreamSeaOperations streamSea) {
            return IntegrationFlow.from("publishThenFail")
                .enrichHeaders((h) -> h.errorChannel("failures"))
                .handle(IotIntegration.streamSea(streamSea).stream("alerts"))
                .handle((payload, headers) -> {
                    throw new IllegalStateException("downstream failed");
                })
                .get();
        }

        @Bean
        IntegrationFlow receiveAlerts(StreamSeaOperations streamSea) {
            return IntegrationFlow.from(IotIntegration.streamSeaInbound(streamSea, "alerts").fanout())
                .channel("received")
                .get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class SlowFlow {

        final CountDownLatch entered = new CountDownLatch(1);

        final CountDownLatch release = new CountDownLatch(1);

        final List<Integer> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Bean
        IntegrationFlow slowConsumer(StreamSeaOperations streamSea) {
            return IntegrationFlow
                .from(IotIntegration.streamSeaInbound(streamSea, "readings").fanout().bufferSize(2).id("slowInbound"))
                .handle((payload, headers) -> {
                    this.entered.countDown();
                    try {
                        this.release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                    }
                    catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                    this.seen.add(((JsonNode) payload).get("seq").asInt());
                    return null;
                })
                .get();
        }
    }
}
