package dev.iotspring.test.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority for tests: issues server certificates (with DNS and IP subject
 * alternative names, e.g. {@code localhost} and {@code 127.0.0.1}) and client certificates (with a given
 * common name, e.g. Astarte's {@code realm/device_id}). Everything is exported as {@link KeyStore} objects
 * (PKCS12) and as PEM text/files, so a test can configure a broker and a Spring Boot SSL bundle
 * ({@code spring.ssl.bundle.pem.*} or {@code SslStoreBundle.of(keyStore, password, trustStore)}).
 *
 * <p>Keys are EC P-256: fast to generate, accepted by every JDK TLS stack.
 */
public final class TestCertificateAuthority {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private static final String SIGNATURE = "SHA256withECDSA";

    private final String name;

    private final KeyPair keyPair;

    private final X509Certificate certificate;

    private TestCertificateAuthority(String name, KeyPair keyPair, X509Certificate certificate) {
        this.name = name;
        this.keyPair = keyPair;
        this.certificate = certificate;
    }

    /** A new self-signed CA with the given common name, valid for a day. */
    public static TestCertificateAuthority create(String commonName) {
        try {
            KeyPair keys = newKeyPair();
            X500Name subject = name(commonName);
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, nextSerial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
                    keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    ext.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate cert = sign(builder, keys);
            return new TestCertificateAuthority(commonName, keys, cert);
        }
        catch (GeneralSecurityException | IOException | OperatorCreationException ex) {
            throw new IllegalStateException("Cannot create test CA '" + commonName + "'", ex);
        }
    }

    /** The CA's common name. */
    public String name() {
        return this.name;
    }

    public X509Certificate certificate() {
        return this.certificate;
    }

    /** A trust store holding only this CA's certificate. */
    public KeyStore trustStore() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("ca", this.certificate);
            return store;
        }
        catch (GeneralSecurityException | IOException ex) {
            throw new IllegalStateException("Cannot build trust store", ex);
        }
    }

    /** This CA's certificate as PEM text. */
    public String certificatePem() {
        return pem(this.certificate);
    }

    /** Writes the CA certificate as PEM to {@code file} and returns the file. */
    public Path writeCertificatePem(Path file) {
        return write(file, certificatePem());
    }

    /** Writes the trust store as a PKCS12 file with the given password and returns the file. */
    public Path writeTrustStore(Path file, char[] password) {
        return IssuedCertificate.store(trustStore(), file, password);
    }

    /**
     * A server certificate.
     * @param commonName subject common name (usually the first host name)
     * @param hostNamesOrAddresses subject alternative names: DNS names or IP literals
     */
    public IssuedCertificate issueServer(String commonName, String... hostNamesOrAddresses) {
        return issue(commonName, true, hostNamesOrAddresses);
    }

    /** A server certificate for {@code localhost} and {@code 127.0.0.1}. */
    public IssuedCertificate issueLocalhostServer() {
        return issueServer("localhost", "localhost", "127.0.0.1");
    }

    /** A client certificate with the given common name (e.g. {@code realm/device_id}). */
    public IssuedCertificate issueClient(String commonName) {
        return issue(commonName, false);
    }

    /**
     * A client certificate for a key the caller holds (e.g. from a CSR), as a platform CA signs one: subject
     * exactly {@code CN=<commonName>} (whatever the request asked for), {@code basicConstraints CA:false},
     * {@code keyUsage digitalSignature}, {@code extendedKeyUsage clientAuth}, a fresh serial, and the given
     * validity (in the past for an expired certificate).
     */
    public X509Certificate signClient(PublicKey publicKey, String commonName, Instant notBefore, Instant notAfter) {
        try {
            X509v3CertificateBuilder builder = leaf(new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, commonName)
                .build(), publicKey, notBefore, notAfter, false, KeyUsage.digitalSignature);
            return sign(builder, this.keyPair);
        }
        catch (GeneralSecurityException | IOException | OperatorCreationException ex) {
            throw new IllegalStateException("Cannot sign certificate '" + commonName + "'", ex);
        }
    }

    /** One certificate as PEM text ({@code -----BEGIN CERTIFICATE-----}). */
    public static String toPem(X509Certificate certificate) {
        return pem(certificate);
    }

    /** A private key as unencrypted PKCS#8 PEM text ({@code -----BEGIN PRIVATE KEY-----}). */
    public static String privateKeyPem(PrivateKey key) {
        try {
            return pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null));
        }
        catch (org.bouncycastle.util.io.pem.PemGenerationException ex) {
            throw new IllegalStateException("Cannot encode a " + key.getAlgorithm() + " private key", ex);
        }
    }

    /** {@code certificate} (issued by this CA) with its private key, as an {@link IssuedCertificate}. */
    public IssuedCertificate withPrivateKey(X509Certificate certificate, PrivateKey privateKey, String commonName) {
        return new IssuedCertificate(commonName, privateKey, List.of(certificate, this.certificate));
    }

    private X509v3CertificateBuilder leaf(X500Name subject, PublicKey publicKey, Instant notBefore, Instant notAfter,
            boolean server, int keyUsage) throws GeneralSecurityException, IOException {
        X509CertificateHolder issuerHolder = new X509CertificateHolder(this.certificate.getEncoded());
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerHolder.getSubject(), nextSerial(),
                Date.from(notBefore), Date.from(notAfter), subject, publicKey);
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
        builder.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(server ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
        builder.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(this.certificate));
        builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(publicKey));
        return builder;
    }

    private IssuedCertificate issue(String commonName, boolean server, String... sans) {
        try {
            KeyPair keys = newKeyPair();
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = leaf(name(commonName), keys.getPublic(),
                    now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), server,
                    KeyUsage.digitalSignature | KeyUsage.keyAgreement);
            if (sans.length > 0) {
                List<GeneralName> names = new ArrayList<>();
                for (String san : sans) {
                    names.add(isIpLiteral(san) ? new GeneralName(GeneralName.iPAddress, san)
                            : new GeneralName(GeneralName.dNSName, san));
                }
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            X509Certificate cert = sign(builder, this.keyPair);
            return new IssuedCertificate(commonName, keys.getPrivate(), List.of(cert, this.certificate));
        }
        catch (GeneralSecurityException | IOException | OperatorCreationException ex) {
            throw new IllegalStateException("Cannot issue certificate '" + commonName + "'", ex);
        }
    }

    private static boolean isIpLiteral(String value) {
        if (value.contains(":")) {
            return true;
        }
        if (!value.matches("[0-9.]+")) {
            return false;
        }
        try {
            InetAddress.getByName(value);
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }

    private static X500Name name(String commonName) {
        // Most significant first, so the RFC 2253 form reads "CN=...,O=...".
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "iot-spring-boot tests")
            .addRDN(BCStyle.CN, commonName)
            .build();
    }

    private static BigInteger nextSerial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
            throws OperatorCreationException, GeneralSecurityException {
        ContentSigner contentSigner = new JcaContentSignerBuilder(SIGNATURE).build(signer.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    }

    static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            if (object instanceof org.bouncycastle.util.io.pem.PemObjectGenerator generator) {
                writer.writeObject(generator);
            }
            else {
                writer.writeObject(object);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toString();
    }

    static Path write(Path file, String content) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            return Files.writeString(file, content);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
