package dev.iotspring.test.stellanow;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.test.stellanow.StellaNowEmulator.AuthMode;
import dev.iotspring.test.stellanow.StellaNowEmulator.ReceivedEvent;
import dev.iotspring.test.stellanow.StellaNowIdentityProvider.Fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/** The emulator as a plain MQTT and HTTP client sees it: the rules other tests rely on. */
class StellaNowEmulatorTests {

    static StellaNowEmulator emulator;

    final HttpClient http = HttpClient.newHttpClient();

    final JsonMapper json = JsonMapper.builder().build();

    @BeforeAll
    static void start() {
        emulator = StellaNowEmulator.builder().accessTokenLifetime(Duration.ofSeconds(60)).start();
    }

    @AfterAll
    static void stop() {
        emulator.close();
    }

    @BeforeEach
    void reset() {
        emulator.broker().reset();
        emulator.authMode(AuthMode.OIDC);
        emulator.identityProvider().clearFaults();
        emulator.identityProvider().clearRequests();
    }

    HttpResponse<String> token(String form) throws Exception {
        return this.http.send(HttpRequest.newBuilder(emulator.identityProvider().tokenEndpoint())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(), HttpResponse.BodyHandlers.ofString());
    }

    String login() throws Exception {
        HttpResponse<String> response = token("grant_type=password&client_id=event-ingestor&username="
                + emulator.username().replace("@", "%40") + "&password=" + emulator.password()
                + "&scope=openid&code=&redirect_uri=");
        assertThat(response.statusCode()).isEqualTo(200);
        return this.json.readTree(response.body()).get("access_token").asString();
    }

    static MqttClient connect(String username, String password) throws MqttException {
        MqttClient client = new MqttClient(emulator.tcpUrl().replace("mqtt://", "tcp://"),
                "StellaNowSDKPython_" + UUID.randomUUID().toString().substring(0, 10), new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        if (username != null) {
            options.setUserName(username);
        }
        if (password != null) {
            options.setPassword(password.toCharArray());
        }
        client.connect(options);
        return client;
    }

    @Test
    void discoveryDocumentNamesTheRealmsTokenEndpoint() throws Exception {
        URI issuer = emulator.identityProvider().issuer();
        HttpResponse<String> response = this.http.send(
                HttpRequest.newBuilder(URI.create(issuer + "/.well-known/openid-configuration")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode document = this.json.readTree(response.body());
        assertThat(document.get("issuer").asString()).isEqualTo(emulator.apiBaseUrl() + "/auth/realms/"
                + emulator.organizationId());
        assertThat(document.get("token_endpoint").asString()).isEqualTo(issuer + "/protocol/openid-connect/token");
    }

    @Test
    void httpsApiServesDiscoveryAndTokensOverTlsUnderItsHttpsIssuer() throws Exception {
        try (StellaNowEmulator https = StellaNowEmulator.builder().httpsApi().start()) {
            javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory
                .getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            trust.init(https.certificateAuthority().trustStore());
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(null, trust.getTrustManagers(), null);
            HttpClient client = HttpClient.newBuilder().sslContext(tls).build();
            assertThat(https.apiBaseUrl()).startsWith("https://localhost:");
            URI issuer = https.identityProvider().issuer();
            JsonNode document = this.json.readTree(client.send(
                    HttpRequest.newBuilder(URI.create(issuer + "/.well-known/openid-configuration")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(document.get("issuer").asString())
                .isEqualTo(https.apiBaseUrl() + "/auth/realms/" + https.organizationId());
            HttpResponse<String> tokens = client.send(HttpRequest.newBuilder(URI.create(document.get("token_endpoint")
                .asString()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=password&client_id=event-ingestor&username="
                        + https.username() + "&password=" + https.password()))
                .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(tokens.statusCode()).isEqualTo(200);
            assertThat(https.identityProvider().isAccessTokenActive(this.json.readTree(tokens.body())
                .get("access_token")
                .asString())).isTrue();
            // Plain http is not served there.
            assertThatExceptionOfType(java.io.IOException.class).isThrownBy(() -> this.http.send(
                    HttpRequest.newBuilder(URI.create(issuer.toString().replace("https://", "http://")
                            + "/.well-known/openid-configuration")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    void identityProviderKeepsServingAfterReactorNettysGlobalResourcesAreDisposed() throws Exception {
        // What closing a Spring context with a ReactorResourceFactory (global resources) does.
        reactor.netty.http.HttpResources.disposeLoopsAndConnections();
        assertThat(login()).isNotBlank();
    }

    @Test
    void tokenEndpointAnswersLikeKeycloak() throws Exception {
        HttpResponse<String> first = token("grant_type=password&client_id=event-ingestor&username="
                + emulator.username() + "&password=" + emulator.password());
        JsonNode tokens = this.json.readTree(first.body());
        assertThat(tokens.get("token_type").asString()).isEqualTo("Bearer");
        assertThat(tokens.get("expires_in").asInt()).isEqualTo(60);
        assertThat(tokens.get("refresh_expires_in").asInt()).isEqualTo(1800);

        HttpResponse<String> refreshed = token("grant_type=refresh_token&client_id=event-ingestor&refresh_token="
                + tokens.get("refresh_token").asString());
        assertThat(refreshed.statusCode()).isEqualTo(200);
        assertThat(this.json.readTree(refreshed.body()).get("access_token").asString())
            .isNotEqualTo(tokens.get("access_token").asString());

        assertThat(token("grant_type=password&client_id=event-ingestor&username=x&password=y").body())
            .contains("invalid_grant").contains("Invalid user credentials");
        emulator.identityProvider().revokeRefreshTokens();
        HttpResponse<String> dead = token("grant_type=refresh_token&client_id=event-ingestor&refresh_token="
                + tokens.get("refresh_token").asString());
        assertThat(dead.statusCode()).isEqualTo(400);
        assertThat(dead.body()).contains("Token is not active");
        assertThat(token("grant_type=password&client_id=other&username=x&password=y").statusCode()).isEqualTo(401);

        emulator.identityProvider().failNext(Fault.HTML_PAGE, 1);
        HttpResponse<String> html = token("grant_type=password&client_id=event-ingestor");
        assertThat(html.statusCode()).isEqualTo(502);
        assertThat(html.headers().firstValue("Content-Type")).hasValueSatisfying((t) -> assertThat(t).contains("html"));
        assertThat(emulator.identityProvider().requests()).hasSize(6)
            .allSatisfy((r) -> assertThat(r.toString()).doesNotContain(emulator.password()));
    }

    @Test
    void faultSwitchesAnswerInsteadOfIssuingTokens() throws Exception {
        String form = "grant_type=password&client_id=event-ingestor&username=" + emulator.username() + "&password="
                + emulator.password();
        emulator.identityProvider().failNext(Fault.SERVER_ERROR_JSON, 1);
        emulator.identityProvider().failNext(Fault.INVALID_CREDENTIALS, 1);
        emulator.identityProvider().failNext(Fault.OK_NOT_JSON, 1);
        emulator.identityProvider().failNext(Fault.OK_WITHOUT_ACCESS_TOKEN, 1);

        HttpResponse<String> serverError = token(form);
        assertThat(serverError.statusCode()).isEqualTo(500);
        assertThat(this.json.readTree(serverError.body()).get("error").asString()).isEqualTo("unknown_error");
        HttpResponse<String> refused = token(form);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("invalid_grant").contains("Invalid user credentials");
        HttpResponse<String> notJson = token(form);
        assertThat(notJson.statusCode()).isEqualTo(200);
        assertThat(notJson.body()).startsWith("<!DOCTYPE html>");
        HttpResponse<String> noToken = token(form);
        assertThat(noToken.statusCode()).isEqualTo(200);
        assertThat(this.json.readTree(noToken.body()).has("access_token")).isFalse();
        assertThat(this.json.readTree(noToken.body()).get("token_type").asString()).isEqualTo("Bearer");
        // Scheduled faults are used up: the next request gets tokens.
        assertThat(emulator.identityProvider().isAccessTokenActive(login())).isTrue();
        assertThat(emulator.identityProvider().requests()).extracting((r) -> r.status())
            .containsExactly(500, 401, 200, 200, 200);
    }

    @Test
    void noAnswerHoldsTheRequestUntilTheClientGivesUp() throws Exception {
        emulator.identityProvider().failNext(Fault.NO_ANSWER, 1);
        HttpRequest request = HttpRequest.newBuilder(emulator.identityProvider().tokenEndpoint())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .timeout(Duration.ofSeconds(2))
            .POST(HttpRequest.BodyPublishers.ofString("grant_type=password&client_id=event-ingestor"))
            .build();
        assertThatExceptionOfType(java.net.http.HttpTimeoutException.class)
            .isThrownBy(() -> this.http.send(request, HttpResponse.BodyHandlers.ofString()));
        await().atMost(Duration.ofSeconds(30)).until(() -> emulator.identityProvider().requests().size() == 1);
        assertThat(emulator.identityProvider().requests()).extracting((r) -> r.status()).containsExactly(0);
        assertThat(login()).isNotBlank();
    }

    @Test
    void oidcModeAcceptsOnlyLiveAccessTokensAsUsername() throws Exception {
        MqttClient client = connect(login(), null);
        client.publish(emulator.topic(), "{\"key\":{}}".getBytes(StandardCharsets.UTF_8), 1, false);
        List<ReceivedEvent> events = emulator.awaitEvents(1, Duration.ofSeconds(30));
        assertThat(events.get(0).publish().qos()).isEqualTo(1);
        client.disconnect();
        client.close();

        assertThatExceptionOfType(MqttException.class).isThrownBy(() -> connect("not-a-token", "x"))
            .satisfies((ex) -> assertThat(ex.getReasonCode()).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED));
        assertThatExceptionOfType(MqttException.class).isThrownBy(() -> connect(null, null))
            .satisfies((ex) -> assertThat(ex.getReasonCode())
                .isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION));
        String revoked = login();
        emulator.identityProvider().revokeAccessTokens();
        assertThatExceptionOfType(MqttException.class).isThrownBy(() -> connect(revoked, revoked))
            .satisfies((ex) -> assertThat(ex.getReasonCode()).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED));
    }

    @Test
    void basicAndNoneModes() throws Exception {
        emulator.authMode(AuthMode.BASIC);
        connect(emulator.username(), emulator.password()).disconnect();
        assertThatExceptionOfType(MqttException.class).isThrownBy(() -> connect(emulator.username(), "wrong"));
        emulator.authMode(AuthMode.NONE);
        connect(null, null).disconnect();
        assertThat(emulator.springProperties()).containsEntry("iot.stellanow.auth.strategy", "none")
            .doesNotContainKey("iot.stellanow.auth.password");
    }
}
