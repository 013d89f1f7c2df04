package dev.iotspring.test.stellmap;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.test.tls.IssuedCertificate;
import dev.iotspring.test.tls.TestCertificateAuthority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The emulator speaks the wire contract of specs/stellmap.md (checked with a plain JDK client). */
class StellMapEmulatorTests {

    private static final String REGISTER_BODY = """
            {"namespace":"staging","service":"acme.retail.cart.cart-svc.api","instanceId":"cart-1",
             "labels":{"lane":"blue"},"endpoints":[{"protocol":"http","host":"10.1.2.3","port":8080}],
             "leaseTtlSeconds":10}""";

    private final HttpClient http = HttpClient.newHttpClient();

    private final JsonMapper json = JsonMapper.builder().build();

    private final List<StellMapEmulator> nodes = new ArrayList<>();

    @AfterEach
    void close() {
        this.nodes.forEach(StellMapEmulator::close);
    }

    private StellMapEmulator node(StellMapEmulator.Builder builder) {
        StellMapEmulator node = builder.start();
        this.nodes.add(node);
        return node;
    }

    private HttpResponse<String> post(StellMapEmulator node, String operation, String body) throws Exception {
        return this.http.send(HttpRequest.newBuilder(URI.create(node.url() + "/api/v1/registry/" + operation))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(StellMapEmulator node, String pathAndQuery) throws Exception {
        return this.http.send(HttpRequest.newBuilder(URI.create(node.url() + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void keepsServingAfterReactorNettysGlobalResourcesAreDisposed() throws Exception {
        StellMapEmulator node = node(StellMapEmulator.builder());
        // What closing a Spring context with a ReactorResourceFactory (global resources) does.
        reactor.netty.http.HttpResources.disposeLoopsAndConnections();
        assertThat(post(node, "register", REGISTER_BODY).statusCode()).isEqualTo(200);
    }

    @Test
    void servesHttpsWithTheGivenCertificate() throws Exception {
        TestCertificateAuthority ca = TestCertificateAuthority.create("StellMap emulator test CA");
        IssuedCertificate certificate = ca.issueLocalhostServer();
        StellMapEmulator node = node(StellMapEmulator.builder()
            .tls(certificate.privateKey(), certificate.chain().toArray(X509Certificate[]::new)));
        assertThat(node.isSecure()).isTrue();
        assertThat(node.url()).isEqualTo("https://127.0.0.1:" + node.port());
        assertThat(node.address()).isEqualTo("127.0.0.1:" + node.port());

        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(ca.trustStore());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        HttpClient trusting = HttpClient.newBuilder().sslContext(tls).build();
        HttpResponse<String> registered = trusting.send(
                HttpRequest.newBuilder(URI.create(node.url() + "/api/v1/registry/register"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(REGISTER_BODY))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(registered.statusCode()).isEqualTo(200);
        assertThat(node.instance("staging", "acme.retail.cart.cart-svc.api", "cart-1")).isPresent();

        // The JVM trust store does not know the test CA: the handshake fails before any request is recorded.
        node.clearRequests();
        assertThatExceptionOfType(SSLHandshakeException.class).isThrownBy(() -> post(node, "register", REGISTER_BODY));
        assertThat(node.requests()).isEmpty();
    }

    @Test
    void decodesStrictlyAndAppliesTheServerDefaults() throws Exception {
        StellMapEmulator node = node(StellMapEmulator.builder());
        HttpResponse<String> unknown = post(node, "heartbeat",
                "{\"namespace\":\"staging\",\"service\":\"s\",\"instanceId\":\"i\",\"zone\":\"eu\"}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).isEqualTo("{\"code\":\"bad_request\",\"message\":\"json: unknown field \\\"zone\\\"\"}\n");
        assertThat(post(node, "register", "").body()).contains("\"message\":\"EOF\"");
        assertThat(post(node, "register", "{\"namespace\":\"staging\",\"service\":\"s\",\"instanceId\":\"i\"}").body())
            .contains("at least one endpoint is required");
        assertThat(post(node, "register", "{\"namespace\":\"staging\",\"organization\":\"acme\",\"instanceId\":\"i\","
                + "\"endpoints\":[{\"protocol\":\"http\",\"host\":\"h\",\"port\":1}]}").body())
            .contains("organization, businessDomain, capabilityDomain, application and role are required");

        HttpResponse<String> ok = post(node, "register", REGISTER_BODY);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("{\"code\":\"ok\",\"message\":\"instance registered\"}\n");
        JsonNode instance = this.json.readTree(get(node, "/api/v1/registry/instances?namespace=staging").body())
            .get("data").get(0);
        assertThat(instance.get("organization").asString()).isEqualTo("acme");
        assertThat(instance.get("endpoints").get(0).get("name").asString()).isEqualTo("http");
        assertThat(instance.get("endpoints").get(0).get("weight").asInt()).isEqualTo(100);
        assertThat(get(node, "/api/v1/registry/instances").body()).contains("namespace is required");
        assertThat(get(node, "/api/v1/registry/instances?namespace=x").body()).isEqualTo("{\"code\":\"ok\",\"data\":[]}\n");
        assertThat(get(node, "/api/v1/registry/instances?namespace=staging&selector=version%20in%20(a").body())
            .contains("supported selector syntax");

        HttpResponse<String> wrongMethod = get(node, "/api/v1/registry/register");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("POST");
        assertThat(wrongMethod.body()).isEqualTo("method not allowed\n");
    }

    @Test
    void leasesExpireAndArePurgedAndALateHeartbeatRevivesAnUnpurgedRecord() throws Exception {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.ofEpochSecond(1_767_225_600));
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        StellMapEmulator node = node(StellMapEmulator.builder().clock(clock).cleanupInterval(Duration.ZERO));
        post(node, "register", REGISTER_BODY);
        String heartbeat = "{\"namespace\":\"staging\",\"service\":\"acme.retail.cart.cart-svc.api\",\"instanceId\":\"cart-1\"}";
        now.set(now.get().plusSeconds(10));
        assertThat(get(node, "/api/v1/registry/instances?namespace=staging").body()).contains("cart-1");
        now.set(now.get().plusSeconds(1));
        assertThat(get(node, "/api/v1/registry/instances?namespace=staging").body()).doesNotContain("cart-1");
        assertThat(post(node, "heartbeat", heartbeat).statusCode()).isEqualTo(200);
        assertThat(get(node, "/api/v1/registry/instances?namespace=staging").body()).contains("cart-1");

        now.set(now.get().plusSeconds(11));
        assertThat(node.purgeExpired()).isEqualTo(1);
        HttpResponse<String> gone = post(node, "heartbeat", heartbeat);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(gone.body()).isEqualTo("{\"code\":\"not_found\",\"message\":\"instance not found\"}\n");
    }

    @Test
    void aFollowerPointsAtTheLeaderWithoutScheme() throws Exception {
        StellMapEmulator leader = node(StellMapEmulator.builder().nodeId(1));
        StellMapEmulator follower = node(StellMapEmulator.builder().nodeId(2));
        follower.followerOf(leader);
        HttpResponse<String> redirect = post(follower, "register", REGISTER_BODY);
        assertThat(redirect.statusCode()).isEqualTo(503);
        JsonNode body = this.json.readTree(redirect.body());
        assertThat(body.get("code").asString()).isEqualTo("not_leader");
        assertThat(body.get("leaderId").asInt()).isEqualTo(1);
        assertThat(body.get("leaderAddr").asString()).isEqualTo(leader.address()).doesNotContain("http");
        // Validation wins over the leader check.
        assertThat(post(follower, "register", "{}").statusCode()).isEqualTo(400);
        follower.noLeader();
        assertThat(post(follower, "deregister", "{\"namespace\":\"a\",\"service\":\"b\",\"instanceId\":\"c\"}").body())
            .doesNotContain("\"leaderAddr\"");
    }

    @Test
    void watchStreamsSnapshotEventsAndKeepalivesAndAnswers410ForExpiredRevisions() throws Exception {
        StellMapEmulator node = node(StellMapEmulator.builder().keepaliveInterval(Duration.ofMillis(100)).historySize(1));
        long start = node.revision();
        post(node, "register", REGISTER_BODY);
        HttpRequest request = HttpRequest.newBuilder(URI.create(node.url()
                + "/api/v1/registry/watch?namespace=staging&service=acme.retail.cart.cart-svc.api")).build();
        HttpResponse<InputStream> stream = this.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            assertThat(reader.readLine()).isEqualTo("id: " + (start + 1));
            assertThat(reader.readLine()).isEqualTo("event: snapshot");
            assertThat(reader.readLine()).startsWith("data: {\"revision\":" + (start + 1) + ",\"type\":\"snapshot\"")
                .contains("\"instances\":[");
            assertThat(reader.readLine()).isEmpty();
            assertThat(reader.readLine()).isEqualTo(": ping");
            post(node, "deregister", "{\"namespace\":\"staging\",\"service\":\"acme.retail.cart.cart-svc.api\","
                    + "\"instanceId\":\"cart-1\"}");
            String line = reader.readLine();
            while (line.isEmpty() || line.startsWith(":")) {
                line = reader.readLine();
            }
            assertThat(line).isEqualTo("id: " + (start + 2));
            assertThat(reader.readLine()).isEqualTo("event: delete");
        }
        post(node, "register", REGISTER_BODY);
        HttpResponse<String> expired = get(node, "/api/v1/registry/watch?namespace=staging&sinceRevision=" + start
                + "&includeSnapshot=false");
        assertThat(expired.statusCode()).isEqualTo(410);
        assertThat(expired.body()).contains("revision_expired");
    }

    @Test
    void faultSwitchesAnswerForTheNodeActAsAnOlderServerAndHoldWatches() throws Exception {
        StellMapEmulator node = node(StellMapEmulator.builder());
        node.answerNext("/api/v1/registry/register", 1, 502, "text/html", "<html>502 Bad Gateway</html>");
        HttpResponse<String> proxied = post(node, "register", REGISTER_BODY);
        assertThat(proxied.statusCode()).isEqualTo(502);
        assertThat(proxied.headers().firstValue("Content-Type")).hasValue("text/html");
        assertThat(proxied.body()).isEqualTo("<html>502 Bad Gateway</html>");
        assertThat(node.instances()).isEmpty();
        assertThat(node.requests("/api/v1/registry/register")).hasSize(1);

        node.unknownFields("labels");
        HttpResponse<String> older = post(node, "register", REGISTER_BODY);
        assertThat(older.statusCode()).isEqualTo(400);
        assertThat(this.json.readTree(older.body()).get("message").asString()).isEqualTo("json: unknown field \"labels\"");
        node.unknownFields();
        assertThat(post(node, "register", REGISTER_BODY).statusCode()).isEqualTo(200);

        node.holdWatches();
        var held = this.http.sendAsync(HttpRequest.newBuilder(URI.create(node.url()
                + "/api/v1/registry/watch?namespace=staging")).build(), HttpResponse.BodyHandlers.ofInputStream());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
            .until(() -> node.requests("/api/v1/registry/watch").size() == 1);
        assertThat(held).isNotDone();
        assertThat(node.watcherCount()).isZero();
        node.releaseWatches();
        assertThat(held.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        held.get().body().close();
    }

    @Test
    void aStoppedNodeCutsItsConnectionsAndAnotherCanStartOnItsPort() throws Exception {
        StellMapEmulator first = StellMapEmulator.start();
        HttpResponse<InputStream> stream = this.http.send(HttpRequest.newBuilder(URI.create(first.url()
                + "/api/v1/registry/watch?namespace=staging")).build(), HttpResponse.BodyHandlers.ofInputStream());
        int port = first.port();
        first.close();
        try (InputStream body = stream.body()) {
            // The stream ends (or breaks) instead of hanging on a node that is gone.
            assertThat(body.readAllBytes()).isNotNull();
        }
        catch (java.io.IOException ex) {
            // A cut connection is as good as an ended stream here.
        }
        assertThatExceptionOfType(java.net.ConnectException.class).isThrownBy(() -> this.http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString()));
        StellMapEmulator second = node(StellMapEmulator.builder().port(port));
        assertThat(second.port()).isEqualTo(port);
        assertThat(get(second, "/healthz").statusCode()).isEqualTo(200);
    }
}
