package dev.iotspring.test.spotflow;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.encoder.Encoder;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.mqtt.MqttAuthenticator.Decision.Refusal;
import dev.iotspring.test.mqtt.RecordedSubscribe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The emulator's IoT-Hub side (spec §3–§5) against a plain Paho v3 client over a real socket: authentication,
 * subscriptions, twin GET/PATCH, desired patches with a gap, stream messages with decoded property bags and
 * Brotli bodies, and a withheld PUBACK.
 */
class SpotflowHubEmulatorTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final long WAIT_MS = 30_000;

    private static SpotflowEmulator emulator;

    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();

    private MqttAsyncClient client;

    private String deviceId;

    private String sas;

    @BeforeAll
    static void start() {
        emulator = SpotflowEmulator.start();
    }

    @AfterAll
    static void stop() {
        emulator.close();
    }

    @BeforeEach
    void provision(org.junit.jupiter.api.TestInfo test) throws Exception {
        emulator.clearRecordings();
        emulator.sasLifetime(Duration.ofHours(1));
        this.deviceId = "dev-" + test.getTestMethod().orElseThrow().getName();
        JsonNode registration = SpotflowDevice.provisionAndRegister(emulator, this.deviceId);
        assertThat(registration.get("iotHubHostName").asString()).isEqualTo("localhost");
        String connectionString = registration.get("connectionString").asString();
        assertThat(SpotflowDevice.connectionStringPart(connectionString, "DeviceId"))
            .isEqualTo(emulator.hubDeviceId(this.deviceId));
        this.sas = SpotflowDevice.connectionStringPart(connectionString, "SharedAccessSignature");
        this.client = new MqttAsyncClient("tcp://127.0.0.1:" + emulator.mqttPort(),
                emulator.hubDeviceId(this.deviceId), new MemoryPersistence());
        this.client.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                SpotflowHubEmulatorTests.this.received.add(new Received(topic,
                        new String(message.getPayload(), StandardCharsets.UTF_8)));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
    }

    @AfterEach
    void disconnect() throws MqttException {
        if (this.client.isConnected()) {
            this.client.disconnectForcibly(1000, 1000);
        }
        this.client.close(true);
    }

    private MqttConnectOptions options(String username, String password) {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(false);
        options.setKeepAliveInterval(300);
        options.setAutomaticReconnect(false);
        options.setUserName(username);
        options.setPassword(password.toCharArray());
        return options;
    }

    private void connectAsDevice() throws MqttException {
        this.client.connect(options(emulator.expectedUsername(this.deviceId), this.sas)).waitForCompletion(WAIT_MS);
        String hubDeviceId = emulator.hubDeviceId(this.deviceId);
        IMqttToken subscribed = this.client.subscribe(new String[] { "$iothub/twin/res/#",
                "$iothub/twin/PATCH/properties/desired/#", "devices/" + hubDeviceId + "/messages/devicebound/#" },
                new int[] { 1, 1, 1 });
        subscribed.waitForCompletion(WAIT_MS);
        assertThat(subscribed.getGrantedQos()).containsExactly(1, 1, 1);
    }

    private Received next() throws InterruptedException {
        Received message = this.received.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertThat(message).as("a message from the hub").isNotNull();
        return message;
    }

    private void publishStream(String bag, byte[] payload) throws MqttException {
        this.client.publish("devices/" + emulator.hubDeviceId(this.deviceId) + "/messages/events/" + bag, payload, 1,
                false).waitForCompletion(WAIT_MS);
    }

    @Test
    void acceptsTheDeviceIdentityAndRecordsItsSubscriptions() throws Exception {
        connectAsDevice();
        assertThat(emulator.isDeviceConnected(this.deviceId)).isTrue();
        assertThat(emulator.broker().connects()).last().satisfies((connect) -> {
            assertThat(connect.accepted()).isTrue();
            assertThat(connect.info().protocolVersion()).isEqualTo(4);
            assertThat(connect.info().cleanSession()).isFalse();
            assertThat(connect.info().keepAliveSeconds()).isEqualTo(300);
        });
        List<RecordedSubscribe> subscribes = emulator.broker()
            .awaitSubscribes((s) -> s.clientId().equals(emulator.hubDeviceId(this.deviceId)), 1, TIMEOUT);
        assertThat(subscribes.get(0).filters()).containsExactly("$iothub/twin/res/#",
                "$iothub/twin/PATCH/properties/desired/#",
                "devices/" + emulator.hubDeviceId(this.deviceId) + "/messages/devicebound/#");
        assertThat(subscribes.get(0).qos()).containsExactly(1, 1, 1);
    }

    @Test
    void letsADeviceUseOnlyItsOwnTopics() throws Exception {
        connectAsDevice();
        IMqttToken subscribed = this.client.subscribe(new String[] { "#", "devices/other/messages/devicebound/#" },
                new int[] { 1, 1 });
        subscribed.waitForCompletion(WAIT_MS);
        assertThat(subscribed.getGrantedQos()).containsExactly(128, 128);
        // MQTT 3.1.1 has no negative PUBACK: a publish outside the device's topics closes its connection.
        try {
            this.client.publish("devices/" + emulator.workspaceId() + ":other/messages/events/", new byte[] { 1 }, 1,
                    false).waitForCompletion(WAIT_MS);
        }
        catch (MqttException ex) {
            // the connection closing may fail the token
        }
        Awaitility.await().atMost(TIMEOUT).until(() -> !this.client.isConnected());
        assertThat(emulator.streamMessages()).isEmpty();
    }

    @Test
    void aDeviceRegisteredWithoutTheHttpApiConnectsWithItsHubCredentials() throws Exception {
        HubCredentials credentials = emulator.registerDevice("raw-device");
        assertThat(credentials.hubDeviceId()).isEqualTo(emulator.hubDeviceId("raw-device"));
        assertThat(credentials.username()).isEqualTo(emulator.expectedUsername("raw-device"));
        assertThat(credentials.toString()).doesNotContain(credentials.sas());
        MqttAsyncClient raw = new MqttAsyncClient("tcp://127.0.0.1:" + emulator.mqttPort(),
                credentials.hubDeviceId(), new MemoryPersistence());
        try {
            raw.connect(options(credentials.username(), credentials.sas())).waitForCompletion(WAIT_MS);
            raw.publish(credentials.streamTopic("stream-name=s"), "42".getBytes(StandardCharsets.UTF_8), 1, false)
                .waitForCompletion(WAIT_MS);
            assertThat(emulator.awaitStreamMessages(1, TIMEOUT)).singleElement().satisfies((m) -> {
                assertThat(m.deviceId()).isEqualTo("raw-device");
                assertThat(m.properties()).containsEntry("stream-name", "s");
                assertThat(m.bodyAsString()).isEqualTo("42");
                assertThat(m.problems()).isEmpty();
            });
        }
        finally {
            raw.disconnectForcibly(1000, 1000);
            raw.close(true);
        }
    }

    @Test
    void refusesAWrongSasWithBadUsernameOrPassword() {
        String wrong = this.sas.replaceFirst("sig=[^&]+", "sig=forged");
        assertThatThrownBy(() -> this.client.connect(options(emulator.expectedUsername(this.deviceId), wrong))
            .waitForCompletion(WAIT_MS))
            .isInstanceOfSatisfying(MqttException.class, (ex) -> assertThat(ex.getReasonCode()).isEqualTo(4));
    }

    @Test
    void refusesAnExpiredSasWithNotAuthorized() {
        emulator.expireSas(this.deviceId);
        assertThatThrownBy(() -> this.client.connect(options(emulator.expectedUsername(this.deviceId), this.sas))
            .waitForCompletion(WAIT_MS))
            .isInstanceOfSatisfying(MqttException.class, (ex) -> assertThat(ex.getReasonCode()).isEqualTo(5));
    }

    @Test
    void dropsTheConnectionWhenItsSasExpires() throws Exception {
        emulator.sasLifetime(Duration.ofSeconds(2));
        JsonNode registration = SpotflowDevice.provisionAndRegister(emulator, this.deviceId);
        this.sas = SpotflowDevice.connectionStringPart(registration.get("connectionString").asString(),
                "SharedAccessSignature");
        connectAsDevice();
        Awaitility.await().atMost(TIMEOUT).until(() -> !this.client.isConnected());
        assertThat(emulator.isDeviceConnected(this.deviceId)).isFalse();
        assertThatThrownBy(() -> this.client.connect(options(emulator.expectedUsername(this.deviceId), this.sas))
            .waitForCompletion(WAIT_MS))
            .isInstanceOfSatisfying(MqttException.class, (ex) -> assertThat(ex.getReasonCode()).isEqualTo(5));
    }

    @Test
    void refusesAUserNameWithoutTheApiVersion() {
        String username = "localhost/" + emulator.hubDeviceId(this.deviceId) + "/";
        assertThatThrownBy(() -> this.client.connect(options(username, this.sas)).waitForCompletion(WAIT_MS))
            .isInstanceOfSatisfying(MqttException.class, (ex) -> assertThat(ex.getReasonCode()).isEqualTo(4));
    }

    @Test
    void refusesAForcedConnectOnceThenAccepts() throws Exception {
        emulator.refuseNextConnects(Refusal.NOT_AUTHORIZED, 1);
        assertThatThrownBy(() -> this.client.connect(options(emulator.expectedUsername(this.deviceId), this.sas))
            .waitForCompletion(WAIT_MS))
            .isInstanceOfSatisfying(MqttException.class, (ex) -> assertThat(ex.getReasonCode()).isEqualTo(5));
        connectAsDevice();
        assertThat(this.client.isConnected()).isTrue();
    }

    @Test
    void answersTwinGetWithTheFullTwinAndReportedPatchWithTheNewVersion() throws Exception {
        emulator.patchDesiredSilently(this.deviceId, "{\"interval\":10,\"mode\":{\"fast\":true}}");
        connectAsDevice();
        this.client.publish("$iothub/twin/GET/?$rid=get-1", new byte[0], 1, false).waitForCompletion(WAIT_MS);
        Received twin = next();
        assertThat(twin.topic()).isEqualTo("$iothub/twin/res/200/?$rid=get-1");
        JsonNode document = SpotflowDevice.JSON.readTree(twin.payload());
        assertThat(document.get("desired").get("$version").asLong()).isEqualTo(2);
        assertThat(document.get("desired").get("interval").asInt()).isEqualTo(10);
        assertThat(document.get("reported").get("$version").asLong()).isEqualTo(1);

        this.client.publish("$iothub/twin/PATCH/properties/reported/?$rid=r-1",
                "{\"fw\":\"1.0\",\"temp\":{\"unit\":\"C\"}}".getBytes(StandardCharsets.UTF_8), 1, false)
            .waitForCompletion(WAIT_MS);
        assertThat(next().topic()).isEqualTo("$iothub/twin/res/204/?$rid=r-1&$version=2");
        this.client.publish("$iothub/twin/PATCH/properties/reported/?$rid=r-2",
                "{\"fw\":null,\"temp\":{\"max\":40}}".getBytes(StandardCharsets.UTF_8), 1, false)
            .waitForCompletion(WAIT_MS);
        assertThat(next().topic()).isEqualTo("$iothub/twin/res/204/?$rid=r-2&$version=3");
        assertThat(emulator.reportedProperties(this.deviceId))
            .isEqualTo(new TwinDocument(3, "{\"temp\":{\"unit\":\"C\",\"max\":40}}"));
        assertThat(emulator.twinRequests()).filteredOn((r) -> r.deviceId().equals(this.deviceId))
            .extracting(TwinRequest::kind, TwinRequest::requestId, TwinRequest::status)
            .containsExactly(org.assertj.core.groups.Tuple.tuple(TwinRequest.Kind.GET, "get-1", 200),
                    org.assertj.core.groups.Tuple.tuple(TwinRequest.Kind.PATCH_REPORTED, "r-1", 204),
                    org.assertj.core.groups.Tuple.tuple(TwinRequest.Kind.PATCH_REPORTED, "r-2", 204));
    }

    @Test
    void sendsDesiredPatchesWithTheirVersionAndCanLeaveAGap() throws Exception {
        connectAsDevice();
        assertThat(emulator.patchDesired(this.deviceId, "{\"interval\":5}")).isEqualTo(2);
        Received patch = next();
        assertThat(patch.topic()).isEqualTo("$iothub/twin/PATCH/properties/desired/?$version=2");
        assertThat(SpotflowDevice.JSON.readTree(patch.payload()))
            .isEqualTo(SpotflowDevice.JSON.readTree("{\"interval\":5,\"$version\":2}"));

        assertThat(emulator.patchDesiredWithGap(this.deviceId, "{\"interval\":null,\"rate\":1}", 1)).isEqualTo(4);
        Received gap = next();
        assertThat(gap.topic()).isEqualTo("$iothub/twin/PATCH/properties/desired/?$version=4");
        assertThat(SpotflowDevice.JSON.readTree(gap.payload()).get("$version").asLong()).isEqualTo(4);
        assertThat(emulator.desiredProperties(this.deviceId)).isEqualTo(new TwinDocument(4, "{\"rate\":1}"));
    }

    @Test
    void keepsDollarTopicsWhenABrokerWithoutThemStartsLater() throws Exception {
        try (EmbeddedMqttBroker other = EmbeddedMqttBroker.builder().webSocket(false).start()) {
            connectAsDevice();
            this.client.publish("$iothub/twin/GET/?$rid=after-other", new byte[0], 1, false)
                .waitForCompletion(WAIT_MS);
            assertThat(next().topic()).isEqualTo("$iothub/twin/res/200/?$rid=after-other");
            assertThat(other.isRunning()).isTrue();
        }
    }

    @Test
    void neverAnswersTwinGetWhenSwitchedOff() throws Exception {
        emulator.twinGetStatus(0);
        connectAsDevice();
        this.client.publish("$iothub/twin/GET/?$rid=silent", new byte[0], 1, false).waitForCompletion(WAIT_MS);
        emulator.awaitTwinRequests(TwinRequest.Kind.GET, 1, TIMEOUT);
        // The hub replies in order on one thread: a later desired patch arriving first proves no reply was sent.
        emulator.patchDesired(this.deviceId, "{\"after\":true}");
        assertThat(next().topic()).startsWith("$iothub/twin/PATCH/properties/desired/");
        assertThat(emulator.twinRequests()).filteredOn((r) -> r.deviceId().equals(this.deviceId))
            .singleElement()
            .satisfies((r) -> assertThat(r.status()).isZero());
    }

    @Test
    void recordsStreamMessagesWithTheirDecodedPropertyBag() throws Exception {
        connectAsDevice();
        publishStream("stream-group-name=plant&stream-name=temps&batch-id=2025-01-01&message-id=m%2017%2F%C3%A9",
                "21.5".getBytes(StandardCharsets.UTF_8));
        publishStream("", new byte[] { 1 });
        publishStream("batch-id=B%201&message-id=m1&complete-message=true&ignore-payload=true", new byte[0]);
        List<StreamMessage> messages = emulator.awaitStreamMessages(3, TIMEOUT);
        StreamMessage first = messages.get(0);
        assertThat(first.deviceId()).isEqualTo(this.deviceId);
        assertThat(first.properties()).containsExactly(java.util.Map.entry("stream-group-name", "plant"),
                java.util.Map.entry("stream-name", "temps"), java.util.Map.entry("batch-id", "2025-01-01"),
                java.util.Map.entry("message-id", "m 17/é"));
        assertThat(first.bodyAsString()).isEqualTo("21.5");
        assertThat(first.problems()).isEmpty();
        assertThat(messages.get(1).properties()).isEmpty();
        assertThat(messages.get(1).problems()).isEmpty();
        assertThat(messages.get(2).isMessageCompletion()).isTrue();
        assertThat(messages.get(2).property("batch-id")).isEqualTo("B 1");
        assertThat(messages.get(2).problems()).isEmpty();
    }

    @Test
    void namesEveryWayAStreamTopicDiffersFromTheSdk() throws Exception {
        connectAsDevice();
        publishStream("message-id=a b&stream-name=s%2fx", new byte[] { 1 });
        StreamMessage message = emulator.awaitStreamMessages(1, TIMEOUT).get(0);
        assertThat(message.property("message-id")).isEqualTo("a b");
        assertThat(message.property("stream-name")).isEqualTo("s/x");
        assertThat(message.problems()).hasSize(3)
            .anySatisfy((p) -> assertThat(p).contains("'message-id'").contains("' '"))
            .anySatisfy((p) -> assertThat(p).contains("'stream-name'").contains("upper-case hex"))
            .anySatisfy((p) -> assertThat(p).contains("out of the SDK's order"));
    }

    @Test
    void decodesBrotliBodiesAtBothLevels() throws Exception {
        Brotli4jLoader.ensureAvailability();
        connectAsDevice();
        byte[] original = "temperature=21.5;".repeat(200).getBytes(StandardCharsets.UTF_8);
        byte[] fastest = Encoder.compress(original, new Encoder.Parameters().setQuality(1));
        byte[] smallest = Encoder.compress(original, new Encoder.Parameters().setQuality(11));
        publishStream("message-id=f&content-encoding=br", fastest);
        publishStream("message-id=s&content-encoding=br", smallest);
        publishStream("message-id=x&content-encoding=br", original);
        byte[] tiny = Encoder.compress("a".getBytes(StandardCharsets.UTF_8), new Encoder.Parameters().setQuality(1));
        publishStream("message-id=t&content-encoding=br", tiny);
        List<StreamMessage> messages = emulator.awaitStreamMessages(4, TIMEOUT);
        assertThat(messages.get(0).body()).isEqualTo(original);
        assertThat(messages.get(0).payload()).isEqualTo(fastest);
        assertThat(messages.get(0).problems()).isEmpty();
        assertThat(messages.get(1).body()).isEqualTo(original);
        assertThat(messages.get(1).problems()).isEmpty();
        assertThat(messages.get(2).problems()).singleElement()
            .satisfies((p) -> assertThat(p).contains("not a Brotli stream"));
        assertThat(messages.get(3).bodyAsString()).isEqualTo("a");
        assertThat(messages.get(3).problems()).singleElement()
            .satisfies((p) -> assertThat(p).contains("the SDK then sends the original"));
    }

    @Test
    void resolvesAnExternalizedPayloadUploadedThroughIotHubFileUpload() throws Exception {
        connectAsDevice();
        String hubDeviceId = emulator.hubDeviceId(this.deviceId);
        String filesUrl = "http://localhost:" + emulator.hubHttpPort() + "/devices/" + hubDeviceId + "/files";
        HttpClient http = HttpClient.newHttpClient();
        String blobName = java.util.UUID.randomUUID().toString();
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(filesUrl + "?api-version=2020-03-13"))
            .header("Content-Type", "application/json").header("Authorization", "SharedAccessSignature sr=x&sig=y&se=1")
            .POST(HttpRequest.BodyPublishers.ofString("{\"blobName\":\"" + blobName + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
        HttpResponse<String> init = http.send(HttpRequest.newBuilder(URI.create(filesUrl + "?api-version=2020-03-13"))
            .header("Content-Type", "application/json").header("Authorization", this.sas)
            .POST(HttpRequest.BodyPublishers.ofString("{\"blobName\":\"" + blobName + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(init.statusCode()).isEqualTo(200);
        JsonNode grant = SpotflowDevice.json(init);
        byte[] content = new byte[300_000];
        new java.util.Random(7).nextBytes(content);
        URI blob = URI.create("http://" + grant.get("hostName").asString() + "/" + grant.get("containerName").asString()
                + "/" + grant.get("blobName").asString() + grant.get("sasToken").asString());
        assertThat(http.send(HttpRequest.newBuilder(blob).header("x-ms-blob-type", "BlockBlob")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString())
            .statusCode()).isEqualTo(201);
        String done = "{\"correlationId\":\"" + grant.get("correlationId").asString()
                + "\",\"isSuccess\":true,\"statusCode\":200,\"statusDescription\":\"Done\"}";
        assertThat(http.send(HttpRequest.newBuilder(URI.create(filesUrl + "/notifications?api-version=2020-03-13"))
            .header("Content-Type", "application/json").header("Authorization", this.sas)
            .POST(HttpRequest.BodyPublishers.ofString(done)).build(), HttpResponse.BodyHandlers.ofString())
            .statusCode()).isEqualTo(204);

        publishStream("message-id=big&has-externalized-payload=true",
                ("{\"link\":\"" + blobName + "\"}").getBytes(StandardCharsets.UTF_8));
        publishStream("message-id=lost&has-externalized-payload=true",
                "{\"link\":\"never-uploaded\"}".getBytes(StandardCharsets.UTF_8));
        List<StreamMessage> messages = emulator.awaitStreamMessages(2, TIMEOUT);
        assertThat(messages.get(0).body()).isEqualTo(content);
        assertThat(messages.get(0).problems()).isEmpty();
        assertThat(messages.get(1).problems()).singleElement()
            .satisfies((p) -> assertThat(p).contains("no completed file upload"));
    }

    @Test
    void withholdsAStreamAcknowledgementUntilReleased() throws Exception {
        connectAsDevice();
        this.client.publish("$iothub/twin/GET/?$rid=before", new byte[0], 1, false).waitForCompletion(WAIT_MS);
        emulator.withholdStreamAcks();
        IMqttDeliveryToken held = this.client.publish(
                "devices/" + emulator.hubDeviceId(this.deviceId) + "/messages/events/message-id=1", new byte[] { 1 },
                1, false);
        emulator.awaitHeldAcks(1, TIMEOUT);
        assertThat(emulator.awaitStreamMessages(1, TIMEOUT)).hasSize(1);
        assertThat(held.isComplete()).isFalse();
        emulator.releaseAcks();
        held.waitForCompletion(WAIT_MS);
        assertThat(held.getException()).isNull();
        assertThat(emulator.broker().heldAckCount()).isZero();
    }

    @Test
    void survivesABrokerRestart() throws Exception {
        connectAsDevice();
        emulator.stopBroker();
        assertThat(emulator.isDeviceConnected(this.deviceId)).isFalse();
        emulator.startBroker();
        this.client.close(true);
        this.client = new MqttAsyncClient("tcp://127.0.0.1:" + emulator.mqttPort(),
                emulator.hubDeviceId(this.deviceId), new MemoryPersistence());
        connectAsDevice();
        publishStream("message-id=after-restart", new byte[] { 2 });
        assertThat(emulator.awaitStreamMessages(1, TIMEOUT).get(0).property("message-id")).isEqualTo("after-restart");
    }

    private record Received(String topic, String payload) {
    }
}
