package dev.iotspring.test.astarte;

import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.test.tls.TestCertificateAuthority;

import static dev.iotspring.test.astarte.AstarteTestClients.csr;
import static dev.iotspring.test.astarte.AstarteTestClients.newDevice;
import static dev.iotspring.test.astarte.AstarteTestClients.quote;
import static dev.iotspring.test.astarte.AstarteTestClients.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The emulated Pairing API over real HTTP: routes, envelopes, JWT and secret checks, certificates, errors. */
class AstartePairingApiTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String DEVICE = "mT56ik-VWRqYOYveajVUtg";

    static AstarteEmulator astarte;

    @BeforeAll
    static void start() {
        astarte = AstarteEmulator.builder().realm("test").start();
    }

    @AfterAll
    static void stop() {
        astarte.close();
    }

    @BeforeEach
    void clear() {
        astarte.clearRecordings();
    }

    private String url(String route) {
        return astarte.pairingUrl() + "/v1/test/" + route;
    }

    private HttpResponse<String> register(String token, String body) {
        return send("POST", url("agent/devices"), token, body);
    }

    private String registered(String deviceId) {
        HttpResponse<String> response = register(astarte.agentToken(), "{\"data\":{\"hw_id\":\"" + deviceId + "\"}}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json(response).path("data").path("credentials_secret").asString();
    }

    private HttpResponse<String> credentials(String deviceId, String secret, String csrPem) {
        return send("POST", url("devices/" + deviceId + "/protocols/astarte_mqtt_v1/credentials"), secret,
                "{\"data\":{\"csr\":" + quote(csrPem) + "}}");
    }

    private HttpResponse<String> verify(String deviceId, String secret, String certificatePem) {
        return send("POST", url("devices/" + deviceId + "/protocols/astarte_mqtt_v1/credentials/verify"), secret,
                "{\"data\":{\"client_crt\":" + quote(certificatePem) + "}}");
    }

    private static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    @Test
    void pairsADeviceEndToEnd() throws Exception {
        String secret = registered(DEVICE);
        assertThat(secret).hasSize(44);
        assertThat(java.util.Base64.getDecoder().decode(secret)).hasSize(32);
        assertThat(astarte.credentialsSecret(DEVICE)).isEqualTo(secret);

        HttpResponse<String> info = send("GET", url("devices/" + DEVICE), secret, null);
        assertThat(info.statusCode()).isEqualTo(200);
        assertThat(info.headers().firstValue("content-type")).hasValueSatisfying((t) -> assertThat(t)
            .startsWith("application/json"));
        assertThat(json(info).path("data").path("status").asString()).isEqualTo("pending");
        assertThat(json(info).path("data").path("protocols").path("astarte_mqtt_v1").path("broker_url").asString())
            .isEqualTo(astarte.brokerUrl())
            .matches("mqtts://localhost:\\d+/");

        KeyPair keys = AstarteTestClients.ecKeys("secp256r1");
        // The CA sets the subject itself, whatever the CSR asks for.
        HttpResponse<String> issued = credentials(DEVICE, secret, csr(keys, "CN=somebody else,O=Devices"));
        assertThat(issued.statusCode()).as(issued.body()).isEqualTo(201);
        String pem = json(issued).path("data").path("client_crt").asString();
        X509Certificate certificate = DeviceCertificates.parseCertificate(pem);
        assertThat(certificate).isNotNull();
        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=test/" + DEVICE);
        assertThat(certificate.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(certificate.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(certificate.getBasicConstraints()).isEqualTo(-1);
        certificate.verify(astarte.certificateAuthority().certificate().getPublicKey());
        assertThat(astarte.deviceStatus(DEVICE)).isEqualTo("confirmed");

        HttpResponse<String> verified = verify(DEVICE, secret, pem);
        assertThat(verified.statusCode()).isEqualTo(200);
        JsonNode data = json(verified).path("data");
        assertThat(data.path("valid").asBoolean()).isTrue();
        assertThat(data.path("timestamp").asString()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(data.path("until").asString()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");

        assertThat(astarte.pairingRequests()).extracting(RecordedPairingRequest::method, RecordedPairingRequest::status)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("POST", 201), org.assertj.core.groups.Tuple.tuple("GET", 200),
                    org.assertj.core.groups.Tuple.tuple("POST", 201), org.assertj.core.groups.Tuple.tuple("POST", 200));
        assertThat(astarte.pairingRequests("/credentials").get(0).header("authorization")).isEqualTo("Bearer " + secret);
        assertThat(astarte.pairingRequests().get(0).toString()).doesNotContain(secret);
    }

    @Test
    void acceptsRsaRealmKeysWithRs256AndPs256() {
        KeyPair rsa = AstarteTestClients.rsaKeys();
        try (AstarteEmulator rsaRealm = AstarteEmulator.builder().realm("rsa").realmPublicKey(rsa.getPublic()).start()) {
            long now = Instant.now().getEpochSecond();
            String rs256 = AstarteEmulator.signAgentToken(rsa.getPrivate(),
                    Map.of("a_pa", List.of("POST::agent/devices"), "iat", now, "exp", now + 60));
            String body = "{\"data\":{\"hw_id\":\"" + newDevice() + "\"}}";
            assertThat(send("POST", rsaRealm.pairingUrl() + "/v1/rsa/agent/devices", rs256, body).statusCode())
                .isEqualTo(201);
            String ps256 = Ps256.sign(rsa, "{\"a_pa\":[\".*::.*\"],\"exp\":" + (now + 60) + "}");
            assertThat(send("POST", rsaRealm.pairingUrl() + "/v1/rsa/agent/devices", ps256,
                    "{\"data\":{\"hw_id\":\"" + newDevice() + "\"}}").statusCode()).isEqualTo(201);
            // An ES256 token cannot be checked with an RSA realm key.
            String es256 = AstarteEmulator.signAgentToken(AstarteTestClients.ecKeys("secp256r1").getPrivate(),
                    Map.of("a_pa", List.of(".*::.*")));
            assertThat(send("POST", rsaRealm.pairingUrl() + "/v1/rsa/agent/devices", es256, body).statusCode())
                .isEqualTo(401);
        }
    }

    @Test
    void registrationRefusesMissingBadExpiredAndUnauthorisedTokens() {
        String body = "{\"data\":{\"hw_id\":\"" + newDevice() + "\"}}";
        HttpResponse<String> missing = send("POST", url("agent/devices"), null, body);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(json(missing).path("errors").path("detail").asString()).isEqualTo("Missing authorization token");
        HttpResponse<String> bad = register("not.a.jwt", body);
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(json(bad).path("errors").path("detail").asString()).isEqualTo("Invalid JWT token");
        String foreign = AstarteEmulator.signAgentToken(AstarteTestClients.ecKeys("secp256r1").getPrivate(),
                Map.of("a_pa", List.of(".*::.*")));
        assertThat(register(foreign, body).statusCode()).isEqualTo(401);

        AstarteEmulator signer = astarte;
        long now = Instant.now().getEpochSecond();
        String expired = signed(signer, Map.of("a_pa", List.of(".*::.*"), "exp", now - 10));
        assertThat(register(expired, body).statusCode()).isEqualTo(401);
        String onlyGet = signed(signer, Map.of("a_pa", List.of("GET::.*")));
        HttpResponse<String> forbidden = register(onlyGet, body);
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(json(forbidden).path("errors").path("detail").asString())
            .isEqualTo("Unauthorized access to POST /v1/test/agent/devices. Please verify your permissions");
        // The path regex is anchored: "agent" alone does not grant "agent/devices"; one colon is not "::".
        assertThat(register(signed(signer, Map.of("a_pa", List.of("POST::agent"))), body).statusCode()).isEqualTo(403);
        assertThat(register(signed(signer, Map.of("a_pa", List.of("POST:agent/devices"))), body).statusCode())
            .isEqualTo(403);
        assertThat(register(signed(signer, Map.of("a_pa", List.of("POST::agent/.*"))), body).statusCode())
            .isEqualTo(201);
        // A realm that does not exist is refused before any token check.
        assertThat(send("POST", astarte.pairingUrl() + "/v1/other/agent/devices", astarte.agentToken(), body)
            .statusCode()).isEqualTo(403);
    }

    private static String signed(AstarteEmulator emulator, Map<String, ?> claims) {
        return AgentTokens.sign(JSON, realmPrivateKey(emulator), claims);
    }

    private static java.security.PrivateKey realmPrivateKey(AstarteEmulator emulator) {
        try (var parser = new org.bouncycastle.openssl.PEMParser(new java.io.StringReader(emulator.realmPrivateKeyPem()))) {
            var info = (org.bouncycastle.asn1.pkcs.PrivateKeyInfo) parser.readObject();
            return new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter().getPrivateKey(info);
        }
        catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void registrationValidatesTheBody() {
        String token = astarte.agentToken();
        HttpResponse<String> noEnvelope = register(token, "{\"hw_id\":\"" + newDevice() + "\"}");
        assertThat(noEnvelope.statusCode()).isEqualTo(400);
        assertThat(json(noEnvelope).path("errors").path("detail").asString()).isEqualTo("Bad request");
        assertThat(register(token, "{not json").statusCode()).isEqualTo(400);

        HttpResponse<String> shortId = register(token, "{\"data\":{\"hw_id\":\"AAAA\"}}");
        assertThat(shortId.statusCode()).isEqualTo(422);
        assertThat(json(shortId).path("errors").path("hw_id").get(0).asString())
            .isEqualTo("is not a valid base64 encoded 128 bits id");
        assertThat(register(token, "{\"data\":{\"hw_id\":\"mT56ik+VWRqYOYveajVUtg\"}}").statusCode()).isEqualTo(422);
        assertThat(json(register(token, "{\"data\":{}}")).path("errors").path("hw_id").get(0).asString())
            .isEqualTo("can't be blank");
        assertThat(register(token, "{\"data\":{\"hw_id\":\"" + newDevice()
                + "\",\"initial_introspection\":{\"org.example.A\":{\"major\":1,\"minor\":0}}}}").statusCode())
            .isEqualTo(201);
    }

    @Test
    void reRegistrationRenewsAPendingSecretAndRefusesAConfirmedDevice() {
        String device = newDevice();
        String first = registered(device);
        String second = registered(device);
        assertThat(second).isNotEqualTo(first);
        assertThat(send("GET", url("devices/" + device), first, null).statusCode()).isEqualTo(403);
        assertThat(credentials(device, second, csr(AstarteTestClients.ecKeys("secp256r1"), "CN=x")).statusCode())
            .isEqualTo(201);
        HttpResponse<String> again = register(astarte.agentToken(), "{\"data\":{\"hw_id\":\"" + device + "\"}}");
        assertThat(again.statusCode()).isEqualTo(422);
        assertThat(json(again).path("errors").path("detail").asString()).isEqualTo("Device already registered");
        // An extended id (more than 16 bytes) names the same device: its first 16 bytes.
        assertThat(send("GET", url("devices/" + device + "AAAAAAAAAA"), second, null).statusCode()).isEqualTo(200);
    }

    @Test
    void unregisteringAllowsRegistrationAgain() {
        String device = newDevice();
        String secret = registered(device);
        credentials(device, secret, csr(AstarteTestClients.ecKeys("secp256r1"), "CN=x"));
        assertThat(send("DELETE", url("agent/devices/" + device), astarte.agentToken(), null).statusCode())
            .isEqualTo(204);
        assertThat(send("GET", url("devices/" + device), secret, null).statusCode()).isEqualTo(404);
        HttpResponse<String> gone = send("DELETE", url("agent/devices/" + device), astarte.agentToken(), null);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(json(gone).path("errors").path("detail").asString()).isEqualTo("Device not found");
        assertThat(send("DELETE", url("agent/devices/" + device), null, null).statusCode()).isEqualTo(401);
        registered(device);
    }

    @Test
    void deviceRoutesNeedTheDevicesSecret() {
        String device = newDevice();
        String secret = registered(device);
        assertThat(send("GET", url("devices/" + device), null, null).statusCode()).isEqualTo(401);
        HttpResponse<String> wrong = send("GET", url("devices/" + device), PairingState.newSecret(), null);
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(json(wrong).path("errors").path("detail").asString()).isEqualTo("Forbidden");
        assertThat(send("GET", url("devices/" + newDevice()), secret, null).statusCode()).isEqualTo(404);
        assertThat(send("GET", astarte.pairingUrl() + "/v1/other/devices/" + device, secret, null).statusCode())
            .isEqualTo(403);
        // The secret header is matched case-insensitively, with an optional colon after "bearer".
        var lower = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url("devices/" + device)))
            .header("Authorization", "bearer: " + secret)
            .build();
        assertThat(sendRaw(lower).statusCode()).isEqualTo(200);
        assertThat(send("PUT", url("devices/" + device), secret, "{}").statusCode()).isEqualTo(404);
    }

    private static HttpResponse<String> sendRaw(java.net.http.HttpRequest request) {
        try {
            return java.net.http.HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void credentialsRefuseBadCsrsAndInhibitedDevices() {
        String device = newDevice();
        String secret = registered(device);
        HttpResponse<String> garbage = send("POST",
                url("devices/" + device + "/protocols/astarte_mqtt_v1/credentials"), secret,
                "{\"data\":{\"csr\":\"-----BEGIN CERTIFICATE REQUEST-----\\nAAAA\\n-----END CERTIFICATE REQUEST-----\"}}");
        assertThat(garbage.statusCode()).isEqualTo(422);
        assertThat(json(garbage).path("errors").path("csr").get(0).asString()).isEqualTo("is not a valid PEM CSR");
        assertThat(send("POST", url("devices/" + device + "/protocols/astarte_mqtt_v1/credentials"), secret,
                "{\"data\":{}}").statusCode()).isEqualTo(422);
        assertThat(astarte.deviceStatus(device)).isEqualTo("pending");

        astarte.inhibitCredentials(device, true);
        assertThat(json(send("GET", url("devices/" + device), secret, null)).path("data").path("status").asString())
            .isEqualTo("inhibited");
        assertThat(credentials(device, secret, csr(AstarteTestClients.ecKeys("secp256r1"), "CN=x")).statusCode())
            .isEqualTo(403);
        astarte.inhibitCredentials(device, false);
        assertThat(credentials(device, secret, csr(AstarteTestClients.ecKeys("secp256r1"), "CN=x")).statusCode())
            .isEqualTo(201);
    }

    @Test
    void aNewCertificateRevokesThePreviousOne() {
        String device = newDevice();
        String secret = registered(device);
        String first = json(credentials(device, secret, csr(AstarteTestClients.ecKeys("secp256r1"), "CN=x")))
            .path("data").path("client_crt").asString();
        String second = json(credentials(device, secret, csr(AstarteTestClients.ecKeys("secp256r1"), "CN=x")))
            .path("data").path("client_crt").asString();
        JsonNode revoked = json(verify(device, secret, first)).path("data");
        assertThat(revoked.path("valid").asBoolean()).isFalse();
        assertThat(revoked.path("cause").asString()).isEqualTo("REVOKED");
        assertThat(revoked.has("details")).isTrue();
        assertThat(json(verify(device, secret, second)).path("data").path("valid").asBoolean()).isTrue();
        assertThat(astarte.certificates(device)).hasSize(2);
    }

    @Test
    void verifyTellsExpiredForeignAndGarbageCertificates() {
        String device = newDevice();
        String secret = registered(device);
        astarte.certificateValidity(Duration.ofHours(-1));
        try {
            String expired = json(credentials(device, secret, csr(AstarteTestClients.ecKeys("secp256r1"), "CN=x")))
                .path("data").path("client_crt").asString();
            assertThat(json(verify(device, secret, expired)).path("data").path("cause").asString())
                .isEqualTo("EXPIRED");
        }
        finally {
            astarte.certificateValidity(Duration.ofDays(1));
        }
        String foreign = TestCertificateAuthority.create("someone else")
            .issueClient("test/" + device)
            .certificatePem();
        assertThat(json(verify(device, secret, foreign)).path("data").path("cause").asString())
            .isEqualTo("INVALID_ISSUER");
        assertThat(json(verify(device, secret, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"))
            .path("data").path("cause").asString()).isEqualTo("INVALID");
    }

    @Test
    void servesHttpsWithACertificateOfItsCa() throws Exception {
        try (AstarteEmulator secure = AstarteEmulator.builder().httpsPairing(true).start()) {
            assertThat(secure.pairingUrl()).startsWith("https://localhost:");
            javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory
                .getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            trust.init(secure.certificateAuthority().trustStore());
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            var request = java.net.http.HttpRequest
                .newBuilder(java.net.URI.create(secure.pairingUrl() + "/v1/test/agent/devices"))
                .header("Authorization", "Bearer " + secure.agentToken())
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"data\":{\"hw_id\":\"" + newDevice() + "\"}}"))
                .build();
            var response = java.net.http.HttpClient.newBuilder().sslContext(context).build().send(request,
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(201);
            // The JVM trust store does not know the test CA.
            assertThatThrownBy(() -> java.net.http.HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
            assertThat(secure.pairingRequests()).hasSize(1);
        }
    }

    @Test
    void injectedFailuresComeBeforeAnyCheck() {
        astarte.failPairingRequests(2, 503);
        assertThat(send("GET", url("devices/" + DEVICE), null, null).statusCode()).isEqualTo(503);
        assertThat(register(astarte.agentToken(), "{}").statusCode()).isEqualTo(503);
        assertThat(send("GET", url("devices/" + DEVICE), null, null).statusCode()).isEqualTo(401);
        assertThatThrownBy(() -> astarte.failPairingRequests(1, 200)).isInstanceOf(IllegalArgumentException.class);
    }
}
