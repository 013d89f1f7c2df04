package dev.iotspring.test.astarte;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.jspecify.annotations.Nullable;

import dev.iotspring.test.tls.TestCertificateAuthority;

/**
 * The CA side of pairing: signs CSRs with the test CA the way CFSSL does for Astarte (subject set to
 * {@code CN=<realm>/<device_id>} whatever the CSR says), keeps the revocation list and answers verify.
 */
final class DeviceCertificates {

    private final TestCertificateAuthority ca;

    private final Clock clock;

    private final Set<BigInteger> revoked = ConcurrentHashMap.newKeySet();

    private volatile Duration validity;

    private volatile Duration backdate = Duration.ofMinutes(5);

    DeviceCertificates(TestCertificateAuthority ca, Clock clock, Duration validity) {
        this.ca = ca;
        this.clock = clock;
        this.validity = validity;
    }

    TestCertificateAuthority authority() {
        return this.ca;
    }

    /** Validity of the next certificates, from now (negative: already expired). */
    void validity(Duration validity) {
        this.validity = validity;
    }

    Duration validity() {
        return this.validity;
    }

    /** A parsed CSR whose self-signature verifies, or null when the text is not one. */
    static @Nullable JcaPKCS10CertificationRequest parseCsr(@Nullable String pem) {
        if (pem == null || pem.isBlank()) {
            return null;
        }
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object = parser.readObject();
            if (!(object instanceof org.bouncycastle.pkcs.PKCS10CertificationRequest request)) {
                return null;
            }
            JcaPKCS10CertificationRequest csr = new JcaPKCS10CertificationRequest(request);
            boolean signed = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getPublicKey()));
            return signed ? csr : null;
        }
        catch (IOException | GeneralSecurityException | OperatorCreationException | PKCSException
                | RuntimeException ex) {
            return null;
        }
    }

    /** Signs the CSR's key for {@code realm/deviceId} with the current validity. */
    X509Certificate sign(JcaPKCS10CertificationRequest csr, String commonName) {
        PublicKey key;
        try {
            key = csr.getPublicKey();
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalArgumentException("CSR key unreadable", ex);
        }
        return signKey(key, commonName);
    }

    X509Certificate signKey(PublicKey key, String commonName) {
        Instant now = this.clock.instant();
        Duration validity = this.validity;
        Instant notAfter = now.plus(validity);
        // An expired certificate starts before it ends; a valid one a little before now (clock skew).
        Instant notBefore = validity.isNegative() ? notAfter.minus(Duration.ofHours(1)) : now.minus(this.backdate);
        return this.ca.signClient(key, commonName, notBefore, notAfter);
    }

    /** Records a certificate issued to {@code device}; like CFSSL behind Astarte, it revokes the one it supersedes. */
    void issued(PairingState.Device device, X509Certificate certificate) {
        BigInteger superseded = device.issued(certificate);
        if (superseded != null) {
            revoke(superseded);
        }
    }

    void revoke(BigInteger serial) {
        this.revoked.add(serial);
    }

    boolean isRevoked(BigInteger serial) {
        return this.revoked.contains(serial);
    }

    /** Verify as Pairing does it: chain to the CA, dates, revocation; not whose certificate it is (astarte#1530). */
    CertificateVerdict verify(@Nullable String pem) {
        X509Certificate certificate = parseCertificate(pem);
        if (certificate == null) {
            return CertificateVerdict.invalid("INVALID");
        }
        return verify(certificate);
    }

    CertificateVerdict verify(X509Certificate certificate) {
        if (!certificate.getIssuerX500Principal().equals(this.ca.certificate().getSubjectX500Principal())) {
            return CertificateVerdict.invalid("INVALID_ISSUER");
        }
        try {
            certificate.verify(this.ca.certificate().getPublicKey());
        }
        catch (GeneralSecurityException ex) {
            return CertificateVerdict.invalid("INVALID_SIGNATURE");
        }
        Instant now = this.clock.instant();
        if (now.isAfter(certificate.getNotAfter().toInstant()) || now.isBefore(certificate.getNotBefore().toInstant())) {
            return CertificateVerdict.invalid("EXPIRED");
        }
        if (isRevoked(certificate.getSerialNumber())) {
            return CertificateVerdict.invalid("REVOKED");
        }
        return CertificateVerdict.valid(certificate.getNotAfter().toInstant());
    }

    static @Nullable X509Certificate parseCertificate(@Nullable String pem) {
        if (pem == null || !pem.contains("-----BEGIN CERTIFICATE-----")) {
            return null;
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            return (X509Certificate) factory
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        }
        catch (GeneralSecurityException | RuntimeException ex) {
            return null;
        }
    }
}
