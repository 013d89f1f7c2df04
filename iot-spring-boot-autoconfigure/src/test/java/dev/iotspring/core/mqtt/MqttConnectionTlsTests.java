package dev.iotspring.core.mqtt;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;

import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.mqtt.EnableEmbeddedMqttBroker;
import dev.iotspring.test.mqtt.MqttAuthenticator;
import dev.iotspring.test.mqtt.MqttTopicAuthorizer;
import dev.iotspring.test.mqtt.RecordedConnect;
import dev.iotspring.test.tls.IssuedCertificate;
import dev.iotspring.test.tls.TestCertificateAuthority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * mqtts:// and wss:// against TLS listeners with a test CA (the shared broker's: its server certificate names
 * only localhost, and it accepts optional client certificates from the same CA): server authentication,
 * Spring Boot SSL bundles, mutual TLS with a client certificate, a wrong CA and a host name mismatch.
 */
@EnableEmbeddedMqttBroker
class MqttConnectionTlsTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final char[] PASSWORD = "secret".toCharArray();

    static TestCertificateAuthority ca;

    static TestCertificateAuthority clientCa;

    static EmbeddedMqttBroker broker;

    @BeforeAll
    static void broker(EmbeddedMqttBroker shared) {
        broker = shared;
        ca = shared.certificateAuthority();
        clientCa = ca;
    }

    @Test
    void mqttsWithTheTestCaFromAKeyStore() throws Exception {
        MqttTls tls = MqttTls.of(null, null, ca.trustStore());
        try (MqttConnection connection = start(broker.tlsUrl(), "tls-keystore", tls)) {
            awaitConnected(connection);
            connection.publish("tls/in", new byte[] { 1 }, 1, false).get(10, TimeUnit.SECONDS);
            RecordedConnect connect = broker.awaitConnects(1, TIMEOUT).get(0);
            assertThat(connect.info().tls()).isTrue();
            assertThat(connect.info().clientCertificate()).isNull();
        }
    }

    @Test
    void wssWithASpringBootSslBundle() throws Exception {
        SslBundle bundle = SslBundle.of(SslStoreBundle.of(null, null, ca.trustStore()));
        try (MqttConnection connection = start(broker.secureWebSocketUrl(), "tls-wss", MqttTls.of(bundle))) {
            awaitConnected(connection);
            connection.publish("wss/in", new byte[] { 2 }, 1, false).get(10, TimeUnit.SECONDS);
            assertThat(broker.awaitPublishes(1, TIMEOUT).get(0).clientId()).isEqualTo("tls-wss");
        }
    }

    @Test
    void sslBundleOptionsAreApplied() throws Exception {
        // Only TLS 1.2 with one cipher suite: the broker agrees, and the connection works with it.
        SslBundle tls12 = SslBundle.of(SslStoreBundle.of(null, null, ca.trustStore()), null,
                SslOptions.of(new String[] { "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" }, new String[] { "TLSv1.2" }));
        try (MqttConnection connection = start(broker.tlsUrl(), "tls-options", MqttTls.of(tls12))) {
            awaitConnected(connection);
        }
        // A protocol the JVM does not offer fails the handshake instead of being ignored.
        SslBundle impossible = SslBundle.of(SslStoreBundle.of(null, null, ca.trustStore()), null,
                SslOptions.of(null, new String[] { "SSLv3" }));
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try (MqttConnection connection = start(broker.tlsUrl(), "tls-options-bad", MqttTls.of(impossible), failures)) {
            await().atMost(TIMEOUT).until(() -> !failures.isEmpty());
            assertThat(connection.isConnected()).isFalse();
        }
    }

    @Test
    void mutualTlsPresentsTheClientCertificate() throws Exception {
        broker.authenticator(MqttAuthenticator.clientCertificate());
        broker.topicAuthorizer(MqttTopicAuthorizer.identityPrefix());
        IssuedCertificate device = clientCa.issueClient("realm/device-1");
        SslBundle bundle = SslBundle
            .of(SslStoreBundle.of(device.keyStore(PASSWORD), new String(PASSWORD), ca.trustStore()));
        try (MqttConnection connection = start(broker.tlsUrl(), "realm/device-1", MqttTls.of(bundle))) {
            awaitConnected(connection);
            connection.publish("realm/device-1/org.example.Sensors/temp", new byte[] { 3 }, 2, false)
                .get(10, TimeUnit.SECONDS);
            RecordedConnect connect = broker.awaitConnects(1, TIMEOUT).get(0);
            assertThat(connect.info().certificateCommonName()).isEqualTo("realm/device-1");
        }
    }

    @Test
    void mutualTlsOverWssWithKeyStores() throws Exception {
        broker.authenticator(MqttAuthenticator.clientCertificate());
        IssuedCertificate device = clientCa.issueClient("realm/device-2");
        MqttTls tls = MqttTls.of(device.keyStore(PASSWORD), PASSWORD, ca.trustStore());
        try (MqttConnection connection = start(broker.secureWebSocketUrl(), "realm/device-2", tls)) {
            awaitConnected(connection);
            assertThat(broker.awaitConnects(1, TIMEOUT).get(0).info().certificateCommonName())
                .isEqualTo("realm/device-2");
        }
    }

    @Test
    void withoutClientCertificateTheBrokerRefuses() {
        broker.authenticator(MqttAuthenticator.clientCertificate());
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try (MqttConnection connection = start(broker.tlsUrl(), "tls-no-cert", MqttTls.of(null, null, ca.trustStore()),
                failures)) {
            await().atMost(TIMEOUT).until(() -> !failures.isEmpty());
            assertThat(failures.get(0)).isInstanceOfSatisfying(MqttException.class,
                    ex -> assertThat(ex.getReasonCode()).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED));
            assertThat(connection.isConnected()).isFalse();
        }
    }

    @Test
    void aServerCertificateFromAnotherCaFailsTheHandshake() {
        TestCertificateAuthority otherCa = TestCertificateAuthority.create("Other CA");
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try (MqttConnection connection = start(broker.tlsUrl(), "tls-wrong-ca",
                MqttTls.of(null, null, otherCa.trustStore()), failures)) {
            await().atMost(TIMEOUT).until(() -> !failures.isEmpty());
            assertThat(failures.get(0)).hasRootCauseInstanceOf(java.security.cert.CertPathBuilderException.class)
                .hasCauseInstanceOf(SSLException.class);
            assertThat(connection.isConnected()).isFalse();
            assertThat(broker.connects()).isEmpty();
        }
    }

    @Test
    void hostNameIsVerifiedByDefault() {
        String byAddress = "mqtts://127.0.0.1:" + broker.tlsPort();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try (MqttConnection connection = start(byAddress, "tls-hostname", MqttTls.of(null, null, ca.trustStore()),
                failures)) {
            await().atMost(TIMEOUT).until(() -> !failures.isEmpty());
            assertThat(failures.get(0)).hasCauseInstanceOf(SSLException.class);
            assertThat(connection.isConnected()).isFalse();
        }
        // Switched off explicitly (tests only), the same address is accepted.
        try (MqttConnection connection = start(byAddress, "tls-hostname-off",
                MqttTls.of(null, null, ca.trustStore()).withHostnameVerification(false))) {
            awaitConnected(connection);
        }
    }

    private MqttConnection start(String url, String clientId, MqttTls tls) {
        return start(url, clientId, tls, new CopyOnWriteArrayList<>());
    }

    private MqttConnection start(String url, String clientId, MqttTls tls, List<Throwable> failures) {
        MqttConnection connection = new MqttConnection(MqttConnectionSettings.builder(MqttEndpoint.parse(url), clientId)
            .tls(tls)
            .connectTimeout(Duration.ofSeconds(5))
            .backoff(new RetryBackoff(Duration.ofSeconds(30), Duration.ofSeconds(30), 1.0, 0.0))
            .build());
        connection.addConnectionListener(new MqttConnectionListener() {
            @Override
            public void disconnected(Throwable cause, boolean willRetry) {
                failures.add(cause);
            }
        });
        connection.start();
        return connection;
    }

    private static void awaitConnected(MqttConnection connection) {
        await().atMost(TIMEOUT).until(connection::isConnected);
    }
}
