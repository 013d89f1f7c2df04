package dev.iotspring.spotflow.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.store.DeferredStore;
import dev.iotspring.core.store.IotStore;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.spotflow.SpotflowProvisioner;
import dev.iotspring.spotflow.SpotflowProvisioningState;
import dev.iotspring.spotflow.SpotflowSender;
import dev.iotspring.test.spotflow.SpotflowEndpoint;
import dev.iotspring.test.spotflow.StreamMessage;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Provisioning faults and the re-provisioning rules of spec §2 against the emulator, plus the inbound twin and
 * method traffic a device must answer or ignore.
 */
class SpotflowProvisioningIntegrationTests extends SpotflowEmulatorSupport {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @BeforeEach
    void manualApproval() {
        emulator.autoApprove(true);
    }

    @Test
    void anApplicationsConnectionDetailsWinOverTheProperties() {
        // Nothing listens on port 1: only the application's bean leads to the emulator's provisioning API and hub.
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId, "iot.spotflow.instance=http://127.0.0.1:1",
                "iot.spotflow.mqtt-port=1", "iot.spotflow.hub-http-port=1")
            .withBean(SpotflowConnectionDetails.class, () -> SpotflowConnectionDetails.of(emulator.url(),
                    emulator.mqttPort(), false, emulator.hubHttpPort()))
            .run((context) -> {
                assertThat(context).hasNotFailed().doesNotHaveBean(PropertiesSpotflowConnectionDetails.class);
                SpotflowSender sender = context.getBean(SpotflowSender.class);
                await().atMost(TIMEOUT).until(sender::isConnected);
                sender.sendMessage("{\"pressure\":7}");
                assertThat(emulator.awaitStreamMessages(1, TIMEOUT)).singleElement()
                    .satisfies((message) -> assertThat(new String(message.body(), StandardCharsets.UTF_8)).isEqualTo("{\"pressure\":7}"));
                assertThat(emulator.requests(SpotflowEndpoint.INIT)).isNotEmpty();
            });
    }

    @Test
    void aLockedWorkspaceIsRetriedAndACancelledOperationStopsProvisioningWithHealthDown() {
        emulator.autoApprove(false);
        emulator.failNext(SpotflowEndpoint.INIT, 423, 2);
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
            var operation = emulator.awaitPendingOperation(TIMEOUT);
            assertThat(emulator.awaitRequests(SpotflowEndpoint.INIT, 3, TIMEOUT)).extracting((r) -> r.status())
                .containsExactly(423, 423, 200);
            SpotflowProvisioner provisioner = context.getBean(SpotflowProvisioner.class);
            await().atMost(TIMEOUT)
                .until(() -> provisioner.state() == SpotflowProvisioningState.AWAITING_APPROVAL);
            HealthIndicator health = context.getBean("spotflowHealthIndicator", HealthIndicator.class);
            Health waiting = health.health();
            assertThat(waiting.getStatus()).isEqualTo(Status.UP);
            assertThat(waiting.getDetails()).containsEntry("provisioning", "awaiting-approval")
                .containsEntry("verificationCode", operation.verificationCode());
            emulator.cancel(operation.id());
            await().atMost(TIMEOUT).until(() -> provisioner.state() == SpotflowProvisioningState.FAILED);
            Health failed = health.health();
            assertThat(failed.getStatus()).isEqualTo(Status.DOWN);
            assertThat(failed.getDetails().get("lastError").toString()).contains("cancelled");
            // Messages still queue durably while nothing can be sent.
            context.getBean(SpotflowSender.class).enqueueMessage("kept");
            assertThat(context.getBean(SpotflowSender.class).pendingMessagesCount()).isEqualTo(1);
        });
    }

    @Test
    void anExpiredOperationStartsANewOneAndAnInvalidProvisioningTokenFailsForGood() {
        emulator.autoApprove(false);
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
            var first = emulator.awaitPendingOperation(TIMEOUT);
            emulator.expire(first.id());
            await().atMost(TIMEOUT).until(() -> emulator.requests(SpotflowEndpoint.INIT).size() == 2);
            emulator.approve(emulator.awaitPendingOperation(TIMEOUT).id());
            context.getBean(SpotflowSender.class).sendMessage("approved");
        });
        emulator.clearRecordings();
        SpotflowEmulatorSupport.runner(emulator, this.storage.resolve("other"), this.deviceId,
                "iot.spotflow.provisioning-token=not-a-valid-token")
            .run((context) -> {
                SpotflowProvisioner provisioner = context.getBean(SpotflowProvisioner.class);
                await().atMost(TIMEOUT).until(() -> provisioner.state() == SpotflowProvisioningState.FAILED);
                assertThat(provisioner.lastError()).contains("iot.spotflow.provisioning-token")
                    .doesNotContain("not-a-valid-token");
                assertThat(emulator.requests(SpotflowEndpoint.INIT)).hasSize(1);
            });
    }

    @Test
    void storedCredentialsAreReusedOnlyForTheSameDeviceId() {
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId)
            .run((context) -> context.getBean(SpotflowSender.class).sendMessage("one"));
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId)
            .run((context) -> context.getBean(SpotflowSender.class).sendMessage("two"));
        assertThat(emulator.requests(SpotflowEndpoint.INIT)).hasSize(1);
        String storedHubDevice = emulator.hubDeviceId(this.deviceId);
        long connectsAsStored = connectsAs(storedHubDevice);
        String other = newDeviceId();
        SpotflowEmulatorSupport.runner(emulator, this.storage, other).run((context) -> {
            SpotflowSender sender = context.getBean(SpotflowSender.class);
            sender.sendMessage("three");
            assertThat(emulator.requests(SpotflowEndpoint.INIT)).hasSize(2);
            assertThat(emulator.streamMessages().get(2).deviceId()).isEqualTo(other);
        });
        // Credentials stored for another device are never tried, not even while the new one is provisioned.
        assertThat(connectsAs(storedHubDevice)).isEqualTo(connectsAsStored);
    }

    private static long connectsAs(String hubDeviceId) {
        return emulator.broker().connects().stream().filter((c) -> c.clientId().equals(hubDeviceId)).count();
    }

    @Test
    void methodCallsAreAnswered404AndAMismatchedDesiredPatchIsDropped() {
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
            SpotflowSender sender = context.getBean(SpotflowSender.class);
            sender.sendMessage("connected");
            String hubDeviceId = emulator.hubDeviceId(this.deviceId);
            emulator.sendToDevice(this.deviceId, "$iothub/methods/POST/reboot/?$rid=42", "{}");
            var reply = emulator.broker()
                .awaitPublishes((p) -> p.clientId().equals(hubDeviceId) && p.topic().startsWith("$iothub/methods/res/"),
                        1, TIMEOUT)
                .get(0);
            assertThat(reply.topic()).isEqualTo("$iothub/methods/res/404/?$rid=42");
            assertThat(reply.payloadAsString()).isEqualTo("{\"detail\":\"No handler found\"}");
            var device = context.getBean(dev.iotspring.spotflow.SpotflowDevice.class);
            long version = device.getDesiredProperties().version();
            emulator.sendToDevice(this.deviceId,
                    "$iothub/twin/PATCH/properties/desired/?$version=" + (version + 1),
                    "{\"interval\":99,\"$version\":" + (version + 7) + "}");
            // The next real patch still applies on top of the old version: the bad one changed nothing.
            long next = emulator.patchDesired(this.deviceId, "{\"interval\":7}");
            await().atMost(TIMEOUT).until(() -> device.getDesiredProperties().version() == next);
            assertThat(device.getDesiredProperties().values()).containsEntry("interval", 7);
            assertThat(emulator.streamMessages()).extracting(StreamMessage::bodyAsString).containsExactly("connected");
        });
    }

    @Test
    void provisionsSendsAndRestartsOnStoredCredentialsWhenTheStoreOpensAfterTheStart() {
        for (int start = 0; start < 2; start++) {
            CompletableFuture<IotStore> opening = new CompletableFuture<>();
            IotStores stores = new IotStores(this.storage.resolve("late"), SynchronousMode.NORMAL, Duration.ofSeconds(5));
            int round = start;
            SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId)
                .withBean("spotflowStore", DeferredStore.class, () -> DeferredStore.of("spotflow", opening))
                .run((context) -> {
                    // The context started without the store: nothing on the startup path waited for it.
                    assertThat(context).hasNotFailed();
                    SpotflowProvisioner provisioner = context.getBean(SpotflowProvisioner.class);
                    assertThat(provisioner.state()).isEqualTo(SpotflowProvisioningState.NEW);
                    assertThat(emulator.requests(SpotflowEndpoint.INIT)).isEmpty();
                    opening.complete(stores.open("spotflow"));
                    SpotflowSender sender = context.getBean(SpotflowSender.class);
                    await().atMost(TIMEOUT).until(sender::isConnected);
                    sender.sendMessage("{\"start\":" + round + "}");
                    // The second start reuses the stored registration: no new provisioning operation.
                    assertThat(emulator.requests(SpotflowEndpoint.INIT)).hasSize((round == 0) ? 1 : 0);
                });
            stores.close();
            assertThat(emulator.awaitStreamMessages(1, TIMEOUT)).last()
                .satisfies((message) -> assertThat(new String(message.body(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"start\":" + round + "}"));
            emulator.clearRecordings();
        }
    }
}
