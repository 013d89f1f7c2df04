package dev.iotspring.test.mqtt;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

import org.jspecify.annotations.Nullable;

/**
 * What a client sent in its CONNECT (and over TLS), as the {@link EmbeddedMqttBroker} saw it.
 *
 * @param clientId client identifier
 * @param username user name, or null when the CONNECT had none
 * @param password password bytes, or null when the CONNECT had none
 * @param cleanSession clean session (3.1.1) / clean start (5) flag
 * @param keepAliveSeconds keep-alive the client asked for
 * @param protocolVersion 3 (MQTT 3.1), 4 (3.1.1) or 5
 * @param clientCertificate the client's TLS certificate on a mutual-TLS listener, or null
 * @param tls whether the connection came over TLS
 * @param receivedAt when the broker saw the CONNECT
 */
public record MqttConnectInfo(String clientId, @Nullable String username, byte @Nullable [] password,
        boolean cleanSession, int keepAliveSeconds, int protocolVersion, @Nullable X509Certificate clientCertificate,
        boolean tls, Instant receivedAt) {

    /** The password as UTF-8 text, or null. */
    public @Nullable String passwordAsString() {
        return (this.password != null) ? new String(this.password, StandardCharsets.UTF_8) : null;
    }

    public boolean hasPassword() {
        return this.password != null;
    }

    /** The common name of the client certificate's subject, or null without a certificate. */
    public @Nullable String certificateCommonName() {
        if (this.clientCertificate == null) {
            return null;
        }
        try {
            LdapName name = new LdapName(this.clientCertificate.getSubjectX500Principal().getName());
            for (Rdn rdn : name.getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
            return null;
        }
        catch (InvalidNameException ex) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "MqttConnectInfo[clientId=" + this.clientId + ", username=" + this.username + ", password="
                + (hasPassword() ? "present" : "none") + ", cleanSession=" + this.cleanSession + ", keepAlive="
                + this.keepAliveSeconds + ", protocolVersion=" + this.protocolVersion + ", certificateCN="
                + certificateCommonName() + "]";
    }
}
