package dev.iotspring.test.spotflow;

import java.net.http.HttpClient;
import java.time.Duration;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.iotspring.test.tls.TestCertificateAuthority;

import static org.assertj.core.api.Assertions.assertThat;

/** With {@code tls(ca)} the emulator serves the API over https and the hub over MQTT/TLS, as the platform does. */
class SpotflowTlsEmulatorTests {

    @Test
    void provisionsOverHttpsAndConnectsOverTls() throws Exception {
        TestCertificateAuthority ca = TestCertificateAuthority.create("spotflow emulator test CA");
        try (SpotflowEmulator emulator = SpotflowEmulator.builder().tls(ca).autoApprove(true).start()) {
            assertThat(emulator.url()).startsWith("https://");
            SSLContext ssl = SSLContext.getInstance("TLS");
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(ca.trustStore());
            ssl.init(null, trust.getTrustManagers(), null);
            SpotflowDevice device = new SpotflowDevice(emulator,
                    HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build());
            String pt = emulator.provisioningToken();
            String operationId = SpotflowDevice.json(device.call(SpotflowEndpoint.INIT, pt, "{\"deviceId\":\"tls-1\"}"))
                .get("provisioningOperationId")
                .asString();
            String rt = SpotflowDevice.json(device.call(SpotflowEndpoint.COMPLETE, pt,
                    "{\"provisioningOperationId\":\"" + operationId + "\"}"))
                .get("registrationToken")
                .asString();
            JsonNode registration = SpotflowDevice.json(device.call(SpotflowEndpoint.REGISTER, rt,
                    "{\"connectionStringType\":\"SharedAccessSignature\"}"));
            String host = registration.get("iotHubHostName").asString();
            String sas = SpotflowDevice.connectionStringPart(registration.get("connectionString").asString(),
                    "SharedAccessSignature");

            MqttAsyncClient client = new MqttAsyncClient("ssl://" + host + ":" + emulator.mqttPort(),
                    emulator.hubDeviceId("tls-1"), new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            options.setCleanSession(false);
            options.setUserName(emulator.expectedUsername("tls-1"));
            options.setPassword(sas.toCharArray());
            options.setSocketFactory(ssl.getSocketFactory());
            client.connect(options).waitForCompletion(30_000);
            assertThat(emulator.isDeviceConnected("tls-1")).isTrue();
            assertThat(emulator.broker().connects()).last().satisfies((c) -> assertThat(c.info().tls()).isTrue());
            client.disconnect().waitForCompletion(30_000);
            client.close();
        }
    }
}
