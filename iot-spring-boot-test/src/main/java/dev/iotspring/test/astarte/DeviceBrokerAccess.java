package dev.iotspring.test.astarte;

import java.security.cert.X509Certificate;

import org.jspecify.annotations.Nullable;

import dev.iotspring.test.mqtt.MqttAuthenticator;
import dev.iotspring.test.mqtt.MqttAuthenticator.Decision;
import dev.iotspring.test.mqtt.MqttAuthenticator.Decision.Refusal;
import dev.iotspring.test.mqtt.MqttConnectInfo;
import dev.iotspring.test.mqtt.MqttTopicAuthorizer;

/**
 * Who may use the emulated Astarte broker (spec §4, §5): the TLS listener already demands a certificate chaining
 * to the test CA and in date; on top, the certificate must not be revoked, its CN must name a registered device
 * of the realm ({@code realm/device_id}), and the client id must equal that CN. Topics: only the CN and below.
 */
final class DeviceBrokerAccess implements MqttAuthenticator {

    private final String realm;

    private final PairingState pairing;

    private final DeviceCertificates certificates;

    DeviceBrokerAccess(String realm, PairingState pairing, DeviceCertificates certificates) {
        this.realm = realm;
        this.pairing = pairing;
        this.certificates = certificates;
    }

    @Override
    public Decision authenticate(MqttConnectInfo connect) {
        @Nullable X509Certificate certificate = connect.clientCertificate();
        String commonName = connect.certificateCommonName();
        if (certificate == null || commonName == null || !this.certificates.verify(certificate).valid()) {
            return Decision.reject(Refusal.NOT_AUTHORIZED);
        }
        if (!commonName.startsWith(this.realm + "/")
                || this.pairing.device(commonName.substring(this.realm.length() + 1)) == null) {
            return Decision.reject(Refusal.NOT_AUTHORIZED);
        }
        // VerneMQ would replace the client id with the CN; a client that sends another one is not compatible.
        if (!commonName.equals(connect.clientId())) {
            return Decision.reject(Refusal.IDENTIFIER_REJECTED);
        }
        return Decision.accept();
    }

    /** Publish and subscribe only on {@code realm/device_id} and below. */
    static MqttTopicAuthorizer topics() {
        return MqttTopicAuthorizer.identityPrefix();
    }
}
