package dev.iotspring.spotflow.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.event.IotConnectionStateChangedEvent;
import dev.iotspring.spotflow.Compression;
import dev.iotspring.spotflow.MessageOptions;
import dev.iotspring.spotflow.SpotflowProvisioningListener;
import dev.iotspring.spotflow.SpotflowProvisioningOperation;
import dev.iotspring.spotflow.SpotflowSendTimeoutException;
import dev.iotspring.spotflow.SpotflowSender;
import dev.iotspring.test.mqtt.RecordedConnect;
import dev.iotspring.test.mqtt.RecordedPublish;
import dev.iotspring.test.mqtt.RecordedSubscribe;
import dev.iotspring.test.spotflow.RecordedHttpRequest;
import dev.iotspring.test.spotflow.SpotflowEndpoint;
import dev.iotspring.test.spotflow.StreamMessage;
import dev.iotspring.test.spotflow.TwinRequest;

import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The auto-configured {@link SpotflowSender} against the Spotflow emulator over real HTTP and MQTT: spec §12 checks
 * 1 to 8 (provisioning, CONNECT, subscriptions, twin gate, topics, Brotli, completions, window, persistence,
 * withheld PUBACK).
 */
class SpotflowSenderIntegrationTests extends SpotflowEmulatorSupport {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @BeforeEach
    void resetEmulator() {
        emulator.autoApprove(true);
        emulator.twinGetStatus(200);
    }

    @Test
    void provisionsWithApprovalPollingThenRegistersAndConnectsAsTheHubExpects() {
        emulator.autoApprove(false);
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId)
            .withUserConfiguration(RecordingListener.class)
            .run((context) -> {
                var operation = emulator.awaitPendingOperation(TIMEOUT);
                // A few polls answered 202 before the approval.
                emulator.awaitRequests(SpotflowEndpoint.COMPLETE, 3, TIMEOUT);
                assertThat(context.getBean(RecordingListener.class).operations).singleElement()
                    .satisfies((op) -> {
                        assertThat(op.id()).isEqualTo(operation.id());
                        assertThat(op.verificationCode()).isEqualTo(operation.verificationCode());
                        assertThat(op.expirationTime()).isNotNull();
                    });
                emulator.approve(operation.id());
                SpotflowSender sender = context.getBean(SpotflowSender.class);
                await().atMost(TIMEOUT).until(sender::isConnected);

                RecordedHttpRequest init = emulator.requests(SpotflowEndpoint.INIT).get(0);
                assertThat(init.authorization()).isEqualTo("DeviceToken " + emulator.provisioningToken());
                assertThat(init.json().get("deviceId").asString()).isEqualTo(this.deviceId);
                List<RecordedHttpRequest> completes = emulator.requests(SpotflowEndpoint.COMPLETE);
                assertThat(completes).allSatisfy((r) -> {
                    assertThat(r.authorization()).isEqualTo("DeviceToken " + emulator.provisioningToken());
                    assertThat(r.json().get("provisioningOperationId").asString()).isEqualTo(operation.id());
                });
                assertThat(completes.get(0).status()).isEqualTo(202);
                assertThat(completes.get(completes.size() - 1).status()).isEqualTo(200);
                RecordedHttpRequest register = emulator.requests(SpotflowEndpoint.REGISTER).get(0);
                assertThat(register.authorization())
                    .isEqualTo("DeviceToken " + emulator.registrationToken(this.deviceId));
                assertThat(register.json().get("connectionStringType").asString())
                    .isEqualTo("SharedAccessSignature");

                String hubDeviceId = emulator.hubDeviceId(this.deviceId);
                RecordedConnect connect = emulator.broker().connects().stream()
                    .filter((c) -> c.info().clientId().equals(hubDeviceId))
                    .findFirst()
                    .orElseThrow();
                assertThat(connect.decision().accepted()).isTrue();
                assertThat(connect.info().protocolVersion()).isEqualTo(4);
                assertThat(connect.info().username()).isEqualTo(emulator.expectedUsername(this.deviceId));
                assertThat(connect.info().cleanSession()).isFalse();
                assertThat(connect.info().keepAliveSeconds()).isEqualTo(300);
                RecordedSubscribe subscribe = emulator.broker().subscribes().stream()
                    .filter((s) -> s.clientId().equals(hubDeviceId))
                    .findFirst()
                    .orElseThrow();
                assertThat(subscribe.filters()).containsExactlyInAnyOrder("$iothub/twin/res/#",
                        "$iothub/twin/PATCH/properties/desired/#", "devices/" + hubDeviceId + "/messages/devicebound/#",
                        "$iothub/methods/POST/#");
                assertThat(subscribe.qos()).containsOnly(1);
                assertThat(context.getBean("spotflowHealthIndicator", HealthIndicator.class).health().getStatus())
                    .isEqualTo(Status.UP);
            });
    }

    @Test
    void streamMessagesCarryTheirPropertyBagByteForByteAfterTheTwinAnswer() {
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId,
                "iot.spotflow.default-stream-group=plant", "iot.spotflow.default-stream=temps")
            .run((context) -> {
                SpotflowSender sender = context.getBean(SpotflowSender.class);
                sender.sendMessage("{\"t\":21.5}");
                sender.sendMessage("m 17".getBytes(StandardCharsets.UTF_8), MessageOptions.builder()
                    .streamGroup("g ü").stream("s/1").batchId("2025-01-01").batchSliceId("slice&1").messageId("m 17")
                    .chunkId("c=1").build());
                sender.forStream("other", "stream").sendMessage("x");
                sender.enqueueBatchCompletion("2025-01-01");
                sender.enqueueMessageCompletion("b", "m");
                assertThat(sender.waitEnqueuedMessagesSent(TIMEOUT)).isTrue();
                assertThat(sender.pendingMessagesCount()).isZero();

                String prefix = "devices/" + emulator.hubDeviceId(this.deviceId) + "/messages/events/";
                List<StreamMessage> messages = emulator.awaitStreamMessages(5, TIMEOUT);
                assertThat(messages).extracting(StreamMessage::topic).containsExactly(
                        prefix + "stream-group-name=plant&stream-name=temps",
                        prefix + "stream-group-name=g%20%C3%BC&stream-name=s%2F1&batch-id=2025-01-01"
                                + "&batch-slice-id=slice%261&message-id=m%2017&chunk-id=c%3D1",
                        prefix + "stream-group-name=other&stream-name=stream",
                        prefix + "stream-group-name=plant&stream-name=temps&batch-id=2025-01-01"
                                + "&complete-batch=true&ignore-payload=true",
                        prefix + "stream-group-name=plant&stream-name=temps&batch-id=b&message-id=m"
                                + "&complete-message=true&ignore-payload=true");
                assertThat(messages).allSatisfy((m) -> {
                    assertThat(m.problems()).isEmpty();
                    assertThat(m.qos()).isEqualTo(1);
                    assertThat(m.retain()).isFalse();
                });
                assertThat(messages.get(0).bodyAsString()).isEqualTo("{\"t\":21.5}");
                assertThat(messages.get(3).payload()).isEmpty();
                assertThat(messages.get(3).isBatchCompletion()).isTrue();
                assertThat(messages.get(4).isMessageCompletion()).isTrue();

                // The twin GET went out, and was answered, before the first stream message.
                List<RecordedPublish> publishes = emulator.broker().publishes().stream()
                    .filter((p) -> p.clientId().equals(emulator.hubDeviceId(this.deviceId)))
                    .toList();
                assertThat(publishes.get(0).topic()).startsWith("$iothub/twin/GET/?$rid=");
                TwinRequest get = emulator.awaitTwinRequests(TwinRequest.Kind.GET, 1, TIMEOUT).get(0);
                assertThat(get.status()).isEqualTo(200);
                assertThat(messages.get(0).receivedAt()).isAfterOrEqualTo(get.receivedAt());
            });
    }

    @Test
    void brotliBodiesDecodeToTheInputAndIncompressibleOnesGoAsTheyAre() {
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId, "iot.spotflow.compression=fastest")
            .run((context) -> {
                SpotflowSender sender = context.getBean(SpotflowSender.class);
                String text = "{\"temperature\":21.5}".repeat(100);
                sender.sendMessage(text);
                sender.sendMessage(text.getBytes(StandardCharsets.UTF_8),
                        MessageOptions.builder().compression(Compression.SMALLEST_SIZE).build());
                byte[] random = new byte[2048];
                new Random(7).nextBytes(random);
                sender.sendMessage(random);
                List<StreamMessage> messages = emulator.awaitStreamMessages(3, TIMEOUT);
                assertThat(messages.get(0).compressed()).isTrue();
                assertThat(messages.get(0).topic()).endsWith("/messages/events/content-encoding=br");
                assertThat(messages.get(0).payload().length).isLessThan(text.length());
                assertThat(messages.get(0).bodyAsString()).isEqualTo(text);
                assertThat(messages.get(1).compressed()).isTrue();
                assertThat(messages.get(1).bodyAsString()).isEqualTo(text);
                assertThat(messages.get(2).compressed()).isFalse();
                assertThat(messages.get(2).payload()).isEqualTo(random);
                assertThat(messages).allSatisfy((m) -> assertThat(m.problems()).isEmpty());
            });
    }

    @Test
    void payloadsOverTheInlineLimitGoThroughFileUploadWithALink() {
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
            SpotflowSender sender = context.getBean(SpotflowSender.class);
            byte[] large = new byte[300_000];
            new Random(11).nextBytes(large);
            sender.sendMessage(large, MessageOptions.builder().streamGroup("g").stream("s").build());
            byte[] text = "{\"v\":1}".repeat(60_000).getBytes(StandardCharsets.UTF_8);
            sender.sendMessage(text, MessageOptions.builder().compression(Compression.FASTEST).build());
            sender.sendMessage("small");
            List<StreamMessage> messages = emulator.awaitStreamMessages(3, TIMEOUT);
            StreamMessage uploaded = messages.get(0);
            assertThat(uploaded.topic()).endsWith("/messages/events/stream-group-name=g&stream-name=s"
                    + "&has-externalized-payload=true");
            assertThat(new String(uploaded.payload(), StandardCharsets.UTF_8)).matches("\\{\"link\":\"[0-9a-f-]{36}\"\\}");
            assertThat(uploaded.body()).isEqualTo(large);
            // Compressed below the limit: inline.
            assertThat(messages.get(1).property("has-externalized-payload")).isNull();
            assertThat(messages.get(1).body()).isEqualTo(text);
            assertThat(messages).allSatisfy((m) -> assertThat(m.problems()).isEmpty());
        });
    }

    @Test
    void aBlobUploadSlowerThanTheRequestTimeoutGoesThroughAtTheFirstAttempt() {
        // A large payload on a slow uplink: its blob takes longer to arrive than one hub request may take. Before,
        // request-timeout cut every attempt short, and the queue stalled behind that message for good.
        emulator.blobUploadLatency(Duration.ofSeconds(3));
        try {
            SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId, "iot.spotflow.request-timeout=1s")
                .run((context) -> {
                    SpotflowSender sender = context.getBean(SpotflowSender.class);
                    byte[] large = new byte[260_000];
                    new Random(5).nextBytes(large);
                    sender.sendMessage(large);
                    assertThat(emulator.awaitStreamMessages(1, TIMEOUT).get(0).body()).isEqualTo(large);
                    assertThat(emulator.requests()).filteredOn((r) -> r.path().startsWith("/spotflow-uploads/"))
                        .singleElement()
                        .satisfies((put) -> assertThat(put.status()).isEqualTo(201));
                });
        }
        finally {
            emulator.blobUploadLatency(Duration.ZERO);
        }
    }

    @Test
    void aBlobUploadOverTheFileUploadTimeoutFailsThatAttemptAndIsRepeated() {
        emulator.blobUploadLatency(Duration.ofSeconds(2));
        try {
            SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId,
                    "iot.spotflow.file-upload-timeout=500ms")
                .run((context) -> {
                    SpotflowSender sender = context.getBean(SpotflowSender.class);
                    byte[] large = new byte[260_000];
                    new Random(6).nextBytes(large);
                    sender.enqueueMessage(large);
                    await().atMost(TIMEOUT).until(() -> emulator.requests().stream()
                        .filter((r) -> r.path().startsWith("/spotflow-uploads/")).count() >= 2);
                    emulator.blobUploadLatency(Duration.ZERO);
                    assertThat(emulator.awaitStreamMessages(1, TIMEOUT).get(0).body()).isEqualTo(large);
                });
        }
        finally {
            emulator.blobUploadLatency(Duration.ZERO);
        }
    }

    @Test
    void noStreamMessageLeavesBeforeTheTwinIsAnsweredAndTheTwinIsFetchedAgainAfterAReconnect() {
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
            SpotflowSender sender = context.getBean(SpotflowSender.class);
            sender.sendMessage("first");
            emulator.twinGetStatus(0);
            emulator.disconnectDevice(this.deviceId);
            // Reconnected: its GET stays unanswered, so the next message waits.
            emulator.awaitTwinRequests(TwinRequest.Kind.GET, 2, TIMEOUT);
            sender.enqueueMessage("second");
            assertThat(sender.waitEnqueuedMessagesSent(Duration.ofMillis(500))).isFalse();
            assertThat(emulator.streamMessages()).hasSize(1);
            emulator.twinGetStatus(200);
            emulator.disconnectDevice(this.deviceId);
            assertThat(sender.waitEnqueuedMessagesSent(TIMEOUT)).isTrue();
            assertThat(emulator.streamMessages()).extracting(StreamMessage::bodyAsString)
                .containsExactly("first", "second");
            assertThat(emulator.twinRequests().stream().filter((r) -> r.kind() == TwinRequest.Kind.GET))
                .hasSizeGreaterThanOrEqualTo(3);
        });
    }

    @Test
    void oneMessageInFlightAndAWithheldAckKeepsItsRowUntilItIsResentAfterAReconnect() {
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
            SpotflowSender sender = context.getBean(SpotflowSender.class);
            sender.sendMessage("warm-up");
            emulator.withholdStreamAcks();
            IntStream.range(0, 3).forEach((i) -> sender.enqueueMessage("m" + i));
            emulator.awaitHeldAcks(1, TIMEOUT);
            // The first is unacknowledged: nothing else goes out, every row stays.
            assertThat(sender.waitEnqueuedMessagesSent(Duration.ofMillis(500))).isFalse();
            assertThat(emulator.streamMessages()).hasSize(2);
            assertThat(sender.pendingMessagesCount()).isEqualTo(3);
            // Twin traffic shares the window of one: a reported update waits too.
            context.getBean(dev.iotspring.spotflow.SpotflowDevice.class).updateReportedProperties(Map.of("k", 1));
            assertThat(sender.waitEnqueuedMessagesSent(Duration.ofMillis(300))).isFalse();
            assertThat(emulator.twinRequests()).noneMatch((r) -> r.kind() == TwinRequest.Kind.PATCH_REPORTED);
            emulator.disconnectDevice(this.deviceId);
            emulator.releaseAcks();
            assertThat(sender.waitEnqueuedMessagesSent(TIMEOUT)).isTrue();
            List<String> bodies = emulator.streamMessages().stream().map(StreamMessage::bodyAsString).toList();
            // m0 twice (the one in flight, adjacent), then the rest in order.
            assertThat(bodies).containsExactly("warm-up", "m0", "m0", "m1", "m2");
            emulator.awaitTwinRequests(TwinRequest.Kind.PATCH_REPORTED, 1, TIMEOUT);
        });
    }

    @Test
    void sendMessageTimesOutWhileUnreachableAndTheMessageStaysQueued() {
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId, "iot.spotflow.send-timeout=300ms")
            .run((context) -> {
                SpotflowSender sender = context.getBean(SpotflowSender.class);
                await().atMost(TIMEOUT).until(sender::isConnected);
                emulator.withholdStreamAcks();
                assertThatThrownBy(() -> sender.sendMessage("late"))
                    .isInstanceOf(SpotflowSendTimeoutException.class)
                    .hasMessageContaining("iot.spotflow.send-timeout");
                assertThat(sender.pendingMessagesCount()).isEqualTo(1);
                emulator.releaseAcks();
                assertThat(sender.waitEnqueuedMessagesSent(TIMEOUT)).isTrue();
            });
    }

    @Test
    void messagesQueuedWhileTheBrokerIsDownSurviveARestartAndGoInOrder() {
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
            SpotflowSender sender = context.getBean(SpotflowSender.class);
            sender.sendMessage("online");
            emulator.stopBroker();
            await().atMost(TIMEOUT).until(() -> !sender.isConnected());
            IntStream.range(0, 50).forEach((i) -> sender.enqueueMessage("offline-" + i));
            assertThat(sender.pendingMessagesCount()).isEqualTo(50);
        });
        emulator.startBroker();
        emulator.clearRecordings();
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId)
            .withUserConfiguration(ConnectionEvents.class)
            .run((context) -> {
                SpotflowSender sender = context.getBean(SpotflowSender.class);
                assertThat(sender.waitEnqueuedMessagesSent(TIMEOUT)).isTrue();
                assertThat(emulator.streamMessages()).extracting(StreamMessage::bodyAsString)
                    .containsExactlyElementsOf(IntStream.range(0, 50).mapToObj((i) -> "offline-" + i).toList());
                assertThat(context.getBean(ConnectionEvents.class).events).isNotEmpty()
                    .allSatisfy((e) -> assertThat(e.getPlatform()).isEqualTo("spotflow"));
                // Stored credentials were reused: no new provisioning operation.
                assertThat(emulator.requests(SpotflowEndpoint.INIT)).isEmpty();
            });
    }

    @Configuration(proxyBeanMethods = false)
    static class RecordingListener implements SpotflowProvisioningListener {

        final List<SpotflowProvisioningOperation> operations = new CopyOnWriteArrayList<>();

        @Override
        public void provisioningStarted(SpotflowProvisioningOperation operation) {
            this.operations.add(operation);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ConnectionEvents implements ApplicationListener<IotConnectionStateChangedEvent> {

        final List<IotConnectionStateChangedEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void onApplicationEvent(IotConnectionStateChangedEvent event) {
            this.events.add(event);
        }

        @Bean
        String marker() {
            return "events";
        }
    }

    /** {@code iot.spotflow.observation-enabled}: a send is an Observation of the call to the acknowledgement. */
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

                TestObservationRegistryAssert.assertThat(observations).hasNumberOfObservationsWithNameEqualTo("iot.message.send", 2)
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
