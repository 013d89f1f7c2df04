package dev.iotspring.astarte;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;

import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A device's TLS identity: its private key and the client certificate Astarte issued for it (spec §4). Key
 * pairs are EC P-256 and CSRs are signed with SHA256withECDSA and name {@code CN=realm/device_id}, as every
 * official SDK does. {@link #toString()} never shows the key.
 *
 * @param privateKey the device's private key
 * @param certificate the client certificate
 * @param certificatePem the certificate as Astarte sent it (for the verify call)
 */
record AstarteCredentials(PrivateKey privateKey, X509Certificate certificate, String certificatePem) {

    /** A new EC P-256 key pair. */
    static KeyPair generateKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("EC P-256 keys are required by every Java platform", ex);
        }
    }

    /** A PEM {@code CERTIFICATE REQUEST} for {@code CN=realm/device_id}. */
    static String csr(KeyPair keyPair, String realm, String deviceId) {
        try {
            PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(
                    new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, realm + "/" + deviceId).build(),
                    keyPair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate()));
            StringWriter out = new StringWriter();
            try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
                pem.writeObject(request);
            }
            return out.toString();
        }
        catch (OperatorCreationException | IOException ex) {
            throw new IllegalStateException("Cannot build the certificate signing request: " + ex.getMessage(), ex);
        }
    }

    static X509Certificate parseCertificate(String pem) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalArgumentException("Astarte sent a client certificate that cannot be read: "
                    + ex.getMessage(), ex);
        }
    }

    static PrivateKey parsePrivateKey(byte[] pkcs8) {
        try {
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("The stored Astarte device key cannot be read", ex);
        }
    }

    Instant notAfter() {
        return this.certificate.getNotAfter().toInstant();
    }

    boolean isExpired(Instant now) {
        return !now.isBefore(notAfter()) || now.isBefore(this.certificate.getNotBefore().toInstant());
    }

    @Override
    public String toString() {
        return "AstarteCredentials[subject=" + this.certificate.getSubjectX500Principal().getName() + ", notAfter="
                + notAfter() + "]";
    }
}
