package dev.iotspring.spotflow.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.iotspring.spotflow.DesiredProperties;
import dev.iotspring.spotflow.SpotflowDevice;
import dev.iotspring.spotflow.SpotflowProvisioner;
import dev.iotspring.spotflow.SpotflowProvisioningState;
import dev.iotspring.spotflow.SpotflowSender;
import dev.iotspring.test.mqtt.MqttAuthenticator.Decision.Refusal;
import dev.iotspring.test.mqtt.RecordedConnect;
import dev.iotspring.test.spotflow.RecordedHttpRequest;
import dev.iotspring.test.spotflow.SpotflowEndpoint;
import dev.iotspring.test.spotflow.StreamMessage;
import dev.iotspring.test.spotflow.TwinRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The twin, the token lifetimes and the offline start against the Spotflow emulator: spec §12 checks 9 to 11.
 */
class SpotflowDeviceIntegrationTests extends SpotflowEmulatorSupport {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @BeforeEach
    void resetEmulator() {
        emulator.registrationTokenLifetime(Duration.ofDays(14));
        emulator.sasLifetime(Duration.ofHours(1));
    }

    @Test
    void desiredPatchesApplyInVersionOrderAndAGapFetchesTheWholeTwin() {
        long v1 = emulator.patchDesired(this.deviceId, "{\"interval\":10,\"mode\":{\"fast\":true}}");
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
            SpotflowDevice device = context.getBean(SpotflowDevice.class);
            List<DesiredProperties> seen = new CopyOnWriteArrayList<>();
            device.addDesiredPropertiesListener(seen::add);
            await().atMost(TIMEOUT).until(() -> device.getDesiredProperties().version() == v1);
            assertThat(device.getDesiredProperties().values()).containsEntry("interval", 10);
            assertThat(device.getWorkspaceId()).isEqualTo(emulator.workspaceId());
            assertThat(device.getDeviceId()).isEqualTo(this.deviceId);

            long v2 = emulator.patchDesired(this.deviceId, "{\"interval\":20,\"mode\":{\"fast\":null}}");
            await().atMost(TIMEOUT).until(() -> device.getDesiredProperties().version() == v2);
            assertThat(device.getDesiredProperties().values()).containsEntry("interval", 20)
                .containsEntry("mode", Map.of());
            int getsBefore = gets();
            long v4 = emulator.patchDesiredWithGap(this.deviceId, "{\"interval\":40}", 1);
            await().atMost(TIMEOUT).until(() -> device.getDesiredProperties().version() == v4);
            assertThat(gets()).isGreaterThan(getsBefore);
            assertThat(device.getDesiredProperties().values()).containsEntry("interval", 40);
            await().atMost(TIMEOUT).until(() -> seen.stream().anyMatch((d) -> d.version() == v4));
            assertThat(seen).extracting(DesiredProperties::version).isSorted();
        });
        // Stored: known at the next start before any connection.
        emulator.stopBroker();
        try {
            SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> assertThat(
                    context.getBean(SpotflowDevice.class).getDesiredProperties().values())
                .containsEntry("interval", 40));
        }
        finally {
            emulator.startBroker();
        }
    }

    @Test
    void reportedPropertiesGoAsMergePatchesAgainstTheLastConfirmedDocument() {
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
            SpotflowDevice device = context.getBean(SpotflowDevice.class);
            Map<String, Object> first = new LinkedHashMap<>();
            first.put("firmware", "1.0");
            Map<String, Object> sensors = new LinkedHashMap<>();
            sensors.put("temp", 1);
            sensors.put("hum", 2);
            first.put("sensors", sensors);
            device.updateReportedProperties(first);
            device.updateReportedProperties(Map.of("sensors", Map.of("temp", 3, "hum", 2)));
            device.updateReportedProperties(Map.of("sensors", Map.of("temp", 3, "hum", 2)));
            await().atMost(TIMEOUT).until(() -> !device.anyPendingReportedPropertiesUpdates());
            List<TwinRequest> patches = emulator.awaitTwinRequests(TwinRequest.Kind.PATCH_REPORTED, 3, TIMEOUT);
            assertThat(patches).extracting(TwinRequest::body).containsExactly(
                    "{\"firmware\":\"1.0\",\"sensors\":{\"temp\":1,\"hum\":2}}",
                    "{\"sensors\":{\"temp\":3},\"firmware\":null}", "{}");
            assertThat(patches).extracting(TwinRequest::status).containsOnly(204);
            assertThat(emulator.reportedProperties(this.deviceId).tree().get("sensors").get("temp").asInt())
                .isEqualTo(3);
            assertThat(emulator.reportedProperties(this.deviceId).tree().has("firmware")).isFalse();
        });
    }

    @Test
    void connackNotAuthorizedReRegistersAndReconnectsWithTheNewPassword() {
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
            SpotflowSender sender = context.getBean(SpotflowSender.class);
            sender.sendMessage("before");
            int registers = emulator.requests(SpotflowEndpoint.REGISTER).size();
            String oldPassword = lastAcceptedConnect().info().passwordAsString();
            emulator.refuseNextConnects(Refusal.NOT_AUTHORIZED, 1);
            emulator.disconnectDevice(this.deviceId);
            sender.sendMessage("after");
            assertThat(emulator.requests(SpotflowEndpoint.REGISTER)).hasSizeGreaterThan(registers);
            assertThat(lastAcceptedConnect().info().passwordAsString()).isNotEqualTo(oldPassword);
            assertThat(emulator.streamMessages()).extracting(StreamMessage::bodyAsString)
                .containsExactly("before", "after");
        });
    }

    @Test
    void anExpiredSasIsRenewedByRegisteringAgain() {
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
            SpotflowSender sender = context.getBean(SpotflowSender.class);
            sender.sendMessage("before");
            int registers = emulator.requests(SpotflowEndpoint.REGISTER).size();
            emulator.expireSas(this.deviceId);
            sender.sendMessage("after");
            assertThat(emulator.requests(SpotflowEndpoint.REGISTER)).hasSizeGreaterThan(registers);
        });
        // A short SAS is renewed before it runs out, without the hub refusing anything.
        emulator.clearRecordings();
        emulator.sasLifetime(Duration.ofMillis(500));
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
            emulator.awaitRequests(SpotflowEndpoint.REGISTER, 4, TIMEOUT);
            context.getBean(SpotflowSender.class).sendMessage("renewed");
        });
    }

    @Test
    void theRegistrationTokenIsRefreshedAtHalfLifeWithTheProvisioningToken() {
        emulator.registrationTokenLifetime(Duration.ofSeconds(4));
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
            String first = await().atMost(TIMEOUT).until(() -> emulator.registrationToken(this.deviceId),
                    (rt) -> rt != null);
            RecordedHttpRequest refresh = emulator.awaitRequests(SpotflowEndpoint.REFRESH, 1, TIMEOUT).get(0);
            assertThat(refresh.authorization()).isEqualTo("DeviceToken " + emulator.provisioningToken());
            assertThat(refresh.json().get("registrationToken").asString()).isEqualTo(first);
            assertThat(refresh.status()).isEqualTo(200);
            // The refreshed token is the one registration uses from now on.
            String second = emulator.registrationToken(this.deviceId);
            assertThat(second).isNotEqualTo(first);
            emulator.expireSas(this.deviceId);
            await().atMost(TIMEOUT).until(() -> emulator.requests(SpotflowEndpoint.REGISTER).stream()
                .anyMatch((r) -> r.status() == 200 && !("DeviceToken " + first).equals(r.authorization())));
            assertThat(emulator.requests(SpotflowEndpoint.INIT)).hasSize(1);
        });
    }

    @Test
    void startsOfflineFromStoredCredentialsAndDeliversOnceTheHubIsBack() {
        emulator.patchDesired(this.deviceId, "{\"interval\":5}");
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId)
            .run((context) -> context.getBean(SpotflowSender.class).sendMessage("first run"));
        emulator.clearRecordings();
        emulator.stopBroker();
        emulator.failAlways(SpotflowEndpoint.REGISTER, 503);
        try {
            SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
                SpotflowSender sender = context.getBean(SpotflowSender.class);
                SpotflowProvisioner provisioner = context.getBean(SpotflowProvisioner.class);
                await().atMost(TIMEOUT).until(() -> provisioner.state() == SpotflowProvisioningState.OFFLINE);
                SpotflowDevice device = context.getBean(SpotflowDevice.class);
                assertThat(device.getDeviceId()).isEqualTo(this.deviceId);
                assertThat(device.getDesiredProperties().values()).containsEntry("interval", 5);
                sender.enqueueMessage("offline");
                assertThat(sender.pendingMessagesCount()).isEqualTo(1);
                emulator.failAlways(SpotflowEndpoint.REGISTER, null);
                emulator.startBroker();
                assertThat(sender.waitEnqueuedMessagesSent(TIMEOUT)).isTrue();
                await().atMost(TIMEOUT).until(() -> provisioner.state() == SpotflowProvisioningState.REGISTERED);
                assertThat(emulator.streamMessages()).extracting(StreamMessage::bodyAsString)
                    .containsExactly("offline");
                assertThat(emulator.requests(SpotflowEndpoint.INIT)).isEmpty();
            });
        }
        finally {
            emulator.failAlways(SpotflowEndpoint.REGISTER, null);
            if (!emulator.broker().isRunning()) {
                emulator.startBroker();
            }
        }
    }

    @Test
    void aRevokedRegistrationTokenLeadsToANewProvisioning() {
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId)
            .run((context) -> context.getBean(SpotflowSender.class).sendMessage("first run"));
        emulator.revokeRegistrationToken(this.deviceId);
        emulator.clearRecordings();
        SpotflowEmulatorSupport.runner(emulator, this.storage, this.deviceId).run((context) -> {
            context.getBean(SpotflowSender.class).sendMessage("second run");
            assertThat(emulator.requests(SpotflowEndpoint.REGISTER).get(0).status()).isEqualTo(401);
            assertThat(emulator.requests(SpotflowEndpoint.INIT)).hasSize(1);
        });
    }

    private int gets() {
        return (int) emulator.twinRequests().stream().filter((r) -> r.kind() == TwinRequest.Kind.GET).count();
    }

    private RecordedConnect lastAcceptedConnect() {
        String hubDeviceId = emulator.hubDeviceId(this.deviceId);
        List<RecordedConnect> accepted = emulator.broker().connects().stream()
            .filter((c) -> c.info().clientId().equals(hubDeviceId) && c.decision().accepted())
            .toList();
        return accepted.get(accepted.size() - 1);
    }
}
