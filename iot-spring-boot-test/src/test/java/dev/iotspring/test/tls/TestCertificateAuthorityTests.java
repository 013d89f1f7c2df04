package dev.iotspring.test.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class TestCertificateAuthorityTests {

    private static final char[] PASSWORD = "pw".toCharArray();

    @Test
    void serverCertificateCarriesHostNamesAndAddressesAndChainsToTheCa() throws Exception {
        TestCertificateAuthority ca = TestCertificateAuthority.create("Unit CA");
        IssuedCertificate server = ca.issueLocalhostServer();
        X509Certificate cert = server.certificate();
        assertThat(cert.getSubjectAlternativeNames().stream().map(san -> (Object) san.get(1)).toList())
            .containsExactlyInAnyOrder("localhost", "127.0.0.1");
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        cert.verify(ca.certificate().getPublicKey());
        assertThat(server.chain()).containsExactly(cert, ca.certificate());
        assertThat(ca.certificate().getBasicConstraints()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void clientCertificateHasTheCommonName() throws Exception {
        TestCertificateAuthority ca = TestCertificateAuthority.create("Unit CA");
        IssuedCertificate client = ca.issueClient("realm/device-1");
        assertThat(client.certificate().getSubjectX500Principal().getName()).startsWith("CN=realm/device-1");
        assertThat(client.certificate().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        client.certificate().verify(ca.certificate().getPublicKey());
    }

    @Test
    void exportsKeyStoresAndPemFiles(@TempDir Path dir) throws Exception {
        TestCertificateAuthority ca = TestCertificateAuthority.create("Unit CA");
        IssuedCertificate client = ca.issueClient("device");
        KeyStore keyStore = client.keyStore(PASSWORD);
        assertThat(keyStore.getKey("key", PASSWORD)).isEqualTo(client.privateKey());
        assertThat(List.of(keyStore.getCertificateChain("key"))).containsExactlyElementsOf(client.chain());
        assertThat(ca.trustStore().getCertificate("ca")).isEqualTo(ca.certificate());

        IssuedCertificate.PemFiles pem = client.writePem(dir, "device");
        assertThat(Files.readString(pem.certificate())).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(Files.readString(pem.privateKey())).startsWith("-----BEGIN PRIVATE KEY-----");
        Path caPem = ca.writeCertificatePem(dir.resolve("ca.crt"));
        assertThat(Files.readString(caPem)).isEqualTo(ca.certificatePem());

        Path p12 = client.writeKeyStore(dir.resolve("device.p12"), PASSWORD);
        KeyStore reloaded = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(p12)) {
            reloaded.load(in, PASSWORD);
        }
        assertThat(reloaded.getCertificate("key")).isEqualTo(client.certificate());
    }
}
