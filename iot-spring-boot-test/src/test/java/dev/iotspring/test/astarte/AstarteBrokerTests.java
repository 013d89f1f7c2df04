package dev.iotspring.test.astarte;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.iotspring.test.mqtt.RecordedConnect;
import dev.iotspring.test.tls.IssuedCertificate;
import dev.iotspring.test.tls.TestCertificateAuthority;

import static dev.iotspring.test.astarte.AstarteTestClients.TIMEOUT;
import static dev.iotspring.test.astarte.AstarteTestClients.newDevice;
import static dev.iotspring.test.astarte.AstarteTestClients.options;
import static dev.iotspring.test.astarte.AstarteTestClients.paho;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The emulated Astarte broker with a plain Paho client: who gets in, which topics, sessions. */
class AstarteBrokerTests {

    private static final long WAIT = TIMEOUT.toMillis();

    static AstarteEmulator astarte;

    private MqttAsyncClient client;

    @BeforeAll
    static void start() {
        astarte = AstarteEmulator.builder().realm("test").start();
    }

    @AfterAll
    static void stop() {
        astarte.close();
    }

    @AfterEach
    void closeClient() throws MqttException {
        AstarteTestClients.close(this.client);
    }

    private IMqttToken connect(String clientId, IssuedCertificate certificate) throws Exception {
        return connect(clientId, options(astarte.certificateAuthority(), certificate));
    }

    private IMqttToken connect(String clientId, MqttConnectOptions options) throws Exception {
        this.client = paho(astarte, clientId);
        IMqttToken token = this.client.connect(options);
        token.waitForCompletion(WAIT);
        return token;
    }

    private static int reasonCode(Throwable ex) {
        return ((MqttException) ex).getReasonCode();
    }

    @Test
    void admitsADeviceWithItsCertificateAndClientId() throws Exception {
        String device = newDevice();
        IssuedCertificate certificate = astarte.issueDeviceCertificate(device);
        assertThat(certificate.commonName()).isEqualTo("test/" + device);
        connect(astarte.clientId(device), certificate);
        assertThat(this.client.isConnected()).isTrue();
        assertThat(astarte.isConnected(device)).isTrue();
        RecordedConnect connect = astarte.broker()
            .awaitConnects((c) -> c.clientId().equals("test/" + device), 1, TIMEOUT)
            .get(0);
        assertThat(connect.accepted()).isTrue();
        assertThat(connect.info().certificateCommonName()).isEqualTo("test/" + device);
        assertThat(connect.info().cleanSession()).isFalse();
    }

    @Test
    void refusesAClientWithoutCertificate() {
        String device = newDevice();
        astarte.registerDevice(device);
        assertThatThrownBy(() -> connect("test/" + device, options(astarte.certificateAuthority(), null)))
            .isInstanceOf(MqttException.class);
        assertThat(astarte.broker().connects()).noneMatch((c) -> c.clientId().equals("test/" + device));
    }

    @Test
    void refusesACertificateOfAnotherCa() {
        String device = newDevice();
        astarte.registerDevice(device);
        IssuedCertificate foreign = TestCertificateAuthority.create("not astarte").issueClient("test/" + device);
        assertThatThrownBy(() -> connect("test/" + device, foreign)).isInstanceOf(MqttException.class);
        assertThat(astarte.broker().connects()).noneMatch((c) -> c.clientId().equals("test/" + device));
    }

    @Test
    void refusesAnExpiredCertificateInTheHandshake() {
        String device = newDevice();
        astarte.certificateValidity(Duration.ofMinutes(-5));
        IssuedCertificate expired;
        try {
            expired = astarte.issueDeviceCertificate(device);
        }
        finally {
            astarte.certificateValidity(Duration.ofDays(1));
        }
        assertThatThrownBy(() -> connect("test/" + device, expired)).isInstanceOf(MqttException.class);
        assertThat(astarte.broker().connects()).noneMatch((c) -> c.clientId().equals("test/" + device));
    }

    @Test
    void refusesARevokedCertificateAsNotAuthorized() throws Exception {
        String device = newDevice();
        IssuedCertificate first = astarte.issueDeviceCertificate(device);
        IssuedCertificate second = astarte.issueDeviceCertificate(device);
        // The second certificate superseded (revoked) the first.
        assertThatThrownBy(() -> connect("test/" + device, first))
            .satisfies((ex) -> assertThat(reasonCode(ex)).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED));
        this.client.close(true);
        connect("test/" + device, second);
        assertThat(this.client.isConnected()).isTrue();
        this.client.disconnect().waitForCompletion(WAIT);
        this.client.close(true);
        astarte.revokeCertificates(device);
        assertThatThrownBy(() -> connect("test/" + device, second))
            .satisfies((ex) -> assertThat(reasonCode(ex)).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED));
    }

    @Test
    void refusesACertificateOfAnUnregisteredDevice() {
        String device = newDevice();
        IssuedCertificate unknown = astarte.certificateAuthority().issueClient("test/" + device);
        assertThatThrownBy(() -> connect("test/" + device, unknown))
            .satisfies((ex) -> assertThat(reasonCode(ex)).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED));
    }

    @Test
    void refusesAClientIdOtherThanTheCertificateName() {
        String device = newDevice();
        IssuedCertificate certificate = astarte.issueDeviceCertificate(device);
        assertThatThrownBy(() -> connect("random-paho-id", certificate))
            .satisfies((ex) -> assertThat(reasonCode(ex)).isEqualTo(MqttException.REASON_CODE_INVALID_CLIENT_ID));
    }

    @Test
    void allowsOnlyTheDevicesOwnTopics() throws Exception {
        String device = newDevice();
        String other = newDevice();
        connect("test/" + device, astarte.issueDeviceCertificate(device));
        IMqttToken subscribed = this.client.subscribe(
                new String[] { "test/" + device + "/control/consumer/properties", "test/" + other + "/#", "#" },
                new int[] { 2, 2, 2 });
        subscribed.waitForCompletion(WAIT);
        assertThat(subscribed.getGrantedQos()).containsExactly(2, 0x80, 0x80);
        this.client.publish("test/" + device, "a.B:1:0".getBytes(), 2, false).waitForCompletion(WAIT);
        // MQTT 3.1.1 has no negative PUBACK: a forbidden publish closes the connection.
        this.client.publish("test/" + other + "/org.example.A/x", new byte[] { 0 }, 1, false);
        Awaitility.await().atMost(TIMEOUT).until(() -> !this.client.isConnected());
        assertThat(astarte.messages(device)).extracting(DeviceMessage::kind)
            .containsExactly(DeviceMessage.Kind.INTROSPECTION);
        assertThat(astarte.messages(other)).isEmpty();
    }

    @Test
    void persistentSessionsSurviveABrokerRestart() throws Exception {
        try (AstarteEmulator persistent = AstarteEmulator.builder().persistentSessions(true).start()) {
            String device = newDevice();
            IssuedCertificate certificate = persistent.issueDeviceCertificate(device);
            MqttConnectOptions options = options(persistent.certificateAuthority(), certificate);
            this.client = paho(persistent, "test/" + device);
            this.client.connect(options).waitForCompletion(WAIT);
            this.client.subscribe("test/" + device + "/control/consumer/properties", 2).waitForCompletion(WAIT);
            this.client.disconnect().waitForCompletion(WAIT);

            persistent.broker().stop();
            persistent.broker().start();

            IMqttToken again = this.client.connect(options);
            again.waitForCompletion(WAIT);
            assertThat(again.getSessionPresent()).isTrue();
            // The Astarte side still hears the device after the restart.
            this.client.publish("test/" + device, "a.B:1:0".getBytes(), 2, false).waitForCompletion(WAIT);
            assertThat(persistent.awaitMessages(device, (m) -> true, 1, TIMEOUT).get(0).kind())
                .isEqualTo(DeviceMessage.Kind.INTROSPECTION);
            AstarteTestClients.close(this.client);
            this.client = null;
        }
    }

    @Test
    void keepsTheSessionUntilItIsWiped() throws Exception {
        String device = newDevice();
        IssuedCertificate certificate = astarte.issueDeviceCertificate(device);
        assertThat(connect("test/" + device, certificate).getSessionPresent()).isFalse();
        this.client.subscribe("test/" + device + "/control/consumer/properties", 2).waitForCompletion(WAIT);
        this.client.disconnect().waitForCompletion(WAIT);
        this.client.close(true);

        assertThat(connect("test/" + device, certificate).getSessionPresent()).isTrue();
        assertThat(astarte.wipeSession(device)).isTrue();
        Awaitility.await().atMost(TIMEOUT).until(() -> !this.client.isConnected());
        this.client.close(true);

        assertThat(connect("test/" + device, certificate).getSessionPresent()).isFalse();
    }
}
