package dev.iotspring.astarte;

import java.io.StringReader;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.core.store.JdbcKeyValueStore;
import dev.iotspring.test.astarte.AstarteEmulator;
import dev.iotspring.test.astarte.RecordedPairingRequest;

import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pairing (spec §3, §4, §16.3 checks 1, 2 and 10) against the emulator's Pairing API over real HTTP. */
class AstartePairingTests {

    @TempDir
    Path directory;

    private static AstarteEmulator astarte;

    private IotStores stores;

    private final String deviceId = AstarteDeviceIds.random();

    @BeforeAll
    static void startEmulator() {
        astarte = AstarteEmulator.builder().realm("test").start();
    }

    @AfterAll
    static void stopEmulator() {
        astarte.close();
    }

    @BeforeEach
    void start() {
        // Each test has its own device; recordings and validity start afresh.
        astarte.clearRecordings();
        astarte.certificateValidity(Duration.ofDays(1));
        this.stores = new IotStores(this.directory, SynchronousMode.FULL, Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        this.stores.close();
    }

    private AstartePairing pairing(@Nullable String secret, @Nullable Supplier<String> agentToken) {
        JdbcKeyValueStore store = this.stores.open("astarte").keyValueStore("credentials");
        AstartePairingClient client = new AstartePairingClient(
                WebClient.builder().baseUrl(astarte.pairingUrl()).build(), "test", JsonMapper.builder().build(),
                Duration.ofSeconds(30));
        return new AstartePairing(client, () -> store, "test", this.deviceId, secret, agentToken, Clock.systemUTC());
    }

    @Test
    void registersWithAnAgentJwtOnceAndKeepsTheSecret() {
        AstartePairing pairing = pairing(null, astarte::agentToken);
        assertThat(pairing.isPaired()).isFalse();
        String secret = pairing.secret();
        assertThat(secret).isEqualTo(astarte.credentialsSecret(this.deviceId));
        RecordedPairingRequest register = astarte.pairingRequests("/agent/devices").get(0);
        assertThat(register.method()).isEqualTo("POST");
        assertThat(register.path()).isEqualTo("/pairing/v1/test/agent/devices");
        assertThat(register.header("authorization")).startsWith("Bearer ey");
        assertThat(register.json().path("data").path("hw_id").asString()).isEqualTo(this.deviceId);
        assertThat(register.status()).isEqualTo(201);

        // A second run (same store) does not register again.
        AstartePairing again = pairing(null, () -> {
            throw new AssertionError("must not register again");
        });
        assertThat(again.isPaired()).isTrue();
        assertThat(again.secret()).isEqualTo(secret);
        assertThat(astarte.pairingRequests("/agent/devices")).hasSize(1);
    }

    @Test
    void registersWithAJwtSignedFromTheRealmPrivateKey() {
        String pem = astarte.realmPrivateKeyPem();
        AstartePairing pairing = pairing(null, () -> AstarteAgentToken.sign(pem, Duration.ofMinutes(5), Clock.systemUTC()));
        assertThat(pairing.secret()).isEqualTo(astarte.credentialsSecret(this.deviceId));
    }

    @Test
    void aDeviceRegisteredElsewhereFailsPermanently() {
        astarte.issueDeviceCertificate(this.deviceId);
        AstartePairing pairing = pairing(null, astarte::agentToken);
        assertThatThrownBy(pairing::secret).isInstanceOfSatisfying(AstartePairingException.class, ex -> {
            assertThat(ex.getStatus()).isEqualTo(422);
            assertThat(ex.isPermanent()).isTrue();
            assertThat(ex.getMessage()).contains("register device failed with HTTP 422").contains("already registered");
        });
    }

    @Test
    void brokerUrlComesFromDeviceInfoWithTheSecret() {
        String secret = astarte.registerDevice(this.deviceId);
        AstartePairing pairing = pairing(secret, null);
        assertThat(pairing.brokerUrl()).isEqualTo(astarte.brokerUrl());
        RecordedPairingRequest info = astarte.pairingRequests().get(0);
        assertThat(info.method()).isEqualTo("GET");
        assertThat(info.path()).isEqualTo("/pairing/v1/test/devices/" + this.deviceId);
        assertThat(info.header("authorization")).isEqualTo("Bearer " + secret);
    }

    @Test
    void certificateComesFromAnEcP256CsrNamingRealmAndDeviceAndIsReusedAfterRestart() throws Exception {
        String secret = astarte.registerDevice(this.deviceId);
        AstartePairing pairing = pairing(secret, null);
        AstarteCredentials credentials = pairing.certificate();
        RecordedPairingRequest request = astarte.pairingRequests("/credentials").get(0);
        assertThat(request.path()).isEqualTo("/pairing/v1/test/devices/" + this.deviceId + "/protocols/astarte_mqtt_v1/credentials");
        assertThat(request.header("authorization")).isEqualTo("Bearer " + secret);
        String csrPem = request.json().path("data").path("csr").asString();
        assertThat(csrPem).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
        PKCS10CertificationRequest csr;
        try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
            csr = (PKCS10CertificationRequest) parser.readObject();
        }
        assertThat(csr.getSubject().toString()).isEqualTo("CN=test/" + this.deviceId);
        assertThat(csr.getSignatureAlgorithm().getAlgorithm().getId()).isEqualTo("1.2.840.10045.4.3.2");
        ECPublicKey key = (ECPublicKey) new JcaPKCS10CertificationRequest(csr).getPublicKey();
        assertThat(key.getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
        assertThat(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))).isTrue();
        X509Certificate issued = astarte.certificates(this.deviceId).get(0);
        assertThat(credentials.certificate()).isEqualTo(issued);
        assertThat(pairing.certificateNotAfter()).isEqualTo(issued.getNotAfter().toInstant());

        // Restart: the stored key and certificate are verified with Astarte, not requested again.
        AstartePairing restarted = pairing(secret, null);
        AstarteCredentials reused = restarted.certificate();
        assertThat(reused.certificate()).isEqualTo(issued);
        assertThat(reused.privateKey().getEncoded()).isEqualTo(credentials.privateKey().getEncoded());
        assertThat(astarte.pairingRequests("/credentials")).hasSize(1);
        assertThat(astarte.pairingRequests("/credentials/verify")).hasSize(1);
        assertThat(astarte.pairingRequests("/credentials/verify").get(0).json().path("data").path("client_crt")
            .asString()).isEqualTo(credentials.certificatePem());
    }

    @Test
    void aNewCertificateIsUsedAsIssuedAndVerifiedBeforeEveryLaterConnect() {
        AstartePairing pairing = pairing(astarte.registerDevice(this.deviceId), null);
        pairing.certificate();
        assertThat(astarte.pairingRequests("/credentials/verify")).isEmpty();
        pairing.certificate();
        pairing.certificate();
        assertThat(astarte.pairingRequests("/credentials/verify")).hasSize(2);
        assertThat(astarte.pairingRequests("/credentials")).hasSize(1);
    }

    @Test
    void aRevokedCertificateIsReplaced() {
        AstartePairing pairing = pairing(astarte.registerDevice(this.deviceId), null);
        X509Certificate first = pairing.certificate().certificate();
        astarte.revokeCertificates(this.deviceId);
        X509Certificate second = pairing.certificate().certificate();
        assertThat(second).isNotEqualTo(first);
        assertThat(astarte.verify(second).valid()).isTrue();
        assertThat(astarte.pairingRequests("/credentials")).hasSize(2);
    }

    @Test
    void anExpiredCertificateIsReplacedWithoutAskingAstarte() {
        astarte.certificateValidity(Duration.ofSeconds(-60));
        AstartePairing pairing = pairing(astarte.registerDevice(this.deviceId), null);
        X509Certificate expired = pairing.certificate().certificate();
        astarte.certificateValidity(Duration.ofDays(1));
        X509Certificate renewed = pairing.certificate().certificate();
        assertThat(renewed).isNotEqualTo(expired);
        assertThat(astarte.pairingRequests("/credentials/verify")).isEmpty();
        assertThat(astarte.pairingRequests("/credentials")).hasSize(2);
    }

    @Test
    void refusalsNameTheStatusButNeverTheSecret() {
        String secret = astarte.registerDevice(this.deviceId);
        AstartePairing wrong = pairing("bm90LXRoZS1zZWNyZXQ=", null);
        assertThatThrownBy(wrong::certificate).isInstanceOfSatisfying(AstartePairingException.class, ex -> {
            assertThat(ex.getStatus()).isEqualTo(403);
            assertThat(ex.isPermanent()).isTrue();
            assertThat(ex.getMessage()).doesNotContain("bm90LXRoZS1zZWNyZXQ=").doesNotContain(secret);
        });
        astarte.failPairingRequests(1, 503);
        AstartePairing right = pairing(secret, null);
        assertThatThrownBy(right::brokerUrl).isInstanceOfSatisfying(AstartePairingException.class,
                ex -> assertThat(ex.isPermanent()).isFalse());
        assertThat(right.brokerUrl()).isEqualTo(astarte.brokerUrl());
    }
}
