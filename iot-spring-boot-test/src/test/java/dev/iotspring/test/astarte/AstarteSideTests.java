package dev.iotspring.test.astarte;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.iotspring.test.astarte.DeviceMessage.Kind;
import dev.iotspring.test.tls.IssuedCertificate;

import static dev.iotspring.test.astarte.AstartePayloadsTests.PURGE_EXAMPLE;
import static dev.iotspring.test.astarte.AstartePayloadsTests.hex;
import static dev.iotspring.test.astarte.AstarteTestClients.TIMEOUT;
import static dev.iotspring.test.astarte.AstarteTestClients.newDevice;
import static dev.iotspring.test.astarte.AstarteTestClients.options;
import static dev.iotspring.test.astarte.AstarteTestClients.paho;
import static org.assertj.core.api.Assertions.assertThat;

/** The Astarte side over real MQTT with a plain Paho device: decoding device traffic, server publishes. */
class AstarteSideTests {

    private static final long WAIT = TIMEOUT.toMillis();

    private static final String DEVICE_PROPS = "org.example.DeviceProps";

    private static final String SERVER_PROPS = "org.example.ServerProps";

    private static final String SENSORS = "org.example.Sensors";

    static AstarteEmulator astarte;

    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();

    private MqttAsyncClient client;

    private String device;

    private IssuedCertificate certificate;

    @BeforeAll
    static void start() {
        astarte = AstarteEmulator.builder().realm("test").start();
        astarte.installInterface(iface(DEVICE_PROPS, "properties", "device"));
        astarte.installInterface(iface(SERVER_PROPS, "properties", "server"));
        astarte.installInterface(iface(SENSORS, "datastream", "device"));
    }

    private static String iface(String name, String type, String ownership) {
        return "{\"interface_name\":\"" + name + "\",\"version_major\":1,\"version_minor\":0,\"type\":\"" + type
                + "\",\"ownership\":\"" + ownership + "\",\"mappings\":[{\"endpoint\":\"/%{x}\",\"type\":\"string\"}]}";
    }

    @AfterAll
    static void stop() {
        astarte.close();
    }

    @AfterEach
    void closeClient() throws MqttException {
        AstarteTestClients.close(this.client);
    }

    private String base() {
        return "test/" + this.device;
    }

    /** Connects a new device (or the same one again) with clean session false; returns session present. */
    private boolean connect() throws Exception {
        if (this.device == null) {
            this.device = newDevice();
            this.certificate = astarte.issueDeviceCertificate(this.device);
        }
        this.client = paho(astarte, base());
        this.client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                received.add(new Received(topic, message.getPayload(), message.getQos()));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        var token = this.client.connect(options(astarte.certificateAuthority(), this.certificate));
        token.waitForCompletion(WAIT);
        return token.getSessionPresent();
    }

    private void subscribe(String... subtopics) throws MqttException {
        String[] filters = java.util.Arrays.stream(subtopics).map((s) -> base() + s).toArray(String[]::new);
        int[] qos = new int[filters.length];
        java.util.Arrays.fill(qos, 2);
        this.client.subscribe(filters, qos).waitForCompletion(WAIT);
    }

    private void publish(String subtopic, byte[] payload, int qos) throws MqttException {
        this.client.publish(base() + subtopic, payload, qos, false).waitForCompletion(WAIT);
    }

    /** A publish Astarte answers by dropping the connection: its acknowledgement never comes. */
    private void publishOffending(String subtopic, byte[] payload) throws MqttException {
        this.client.publish(base() + subtopic, payload, 2, false);
    }

    private Received next() throws InterruptedException {
        Received next = this.received.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(next).as("a message from the Astarte side").isNotNull();
        return next;
    }

    @Test
    void recordsAFullHandshakeAndDataDecoded() throws Exception {
        this.device = newDevice();
        this.certificate = astarte.issueDeviceCertificate(this.device);
        // Set while the device is away: nobody subscribed yet, so it arrives with the emptyCache answer.
        astarte.setServerProperty(this.device, SERVER_PROPS, "/rate", 5).get(30, TimeUnit.SECONDS);
        assertThat(connect()).isFalse();
        subscribe("/control/consumer/properties", "/" + SERVER_PROPS + "/#");
        publish("", (DEVICE_PROPS + ":1:0;" + SERVER_PROPS + ":1:0;" + SENSORS + ":1:0").getBytes(), 2);
        publish("/control/emptyCache", "1".getBytes(), 2);
        publish("/" + DEVICE_PROPS + "/name", AstartePayloads.bson("hi", null), 2);
        publish("/" + DEVICE_PROPS + "/gone", AstartePayloads.bson("bye", null), 2);
        publish("/control/producer/properties", AstartePayloads.purgeList(List.of(DEVICE_PROPS + "/name")), 2);
        publish("/" + SENSORS + "/room1",
                hex("1b 00 00 00 01 76 00 7b 14 ae 47 e1 ba 30 40 09 74 00 2a 70 20 f7 65 01 00 00 00"), 1);
        publish("/" + DEVICE_PROPS + "/name", new byte[0], 2);

        List<DeviceMessage> messages = astarte.awaitMessages(this.device, (m) -> true, 7, TIMEOUT);
        assertThat(messages).extracting(DeviceMessage::kind)
            .containsExactly(Kind.INTROSPECTION, Kind.EMPTY_CACHE, Kind.DATA, Kind.DATA, Kind.PRODUCER_PROPERTIES,
                    Kind.DATA, Kind.UNSET);
        assertThat(messages.get(0).introspectionEntries()).containsExactlyInAnyOrder(DEVICE_PROPS + ":1:0",
                SERVER_PROPS + ":1:0", SENSORS + ":1:0");
        assertThat(astarte.introspection(this.device)).containsEntry(SENSORS, "1:0").hasSize(3);
        assertThat(messages.get(2).interfacePath()).isEqualTo(DEVICE_PROPS + "/name");
        assertThat(messages.get(2).value()).isEqualTo("hi");
        assertThat(messages.get(4).purgeList().entries()).containsExactly(DEVICE_PROPS + "/name");
        assertThat(messages.get(4).purgeList().headerMatches()).isTrue();
        DeviceMessage datastream = messages.get(5);
        assertThat(datastream.interfaceName()).isEqualTo(SENSORS);
        assertThat(datastream.path()).isEqualTo("/room1");
        assertThat(datastream.value()).isEqualTo(16.73);
        assertThat(datastream.timestamp()).isEqualTo(Instant.ofEpochMilli(1537449422890L));
        assertThat(datastream.qos()).isEqualTo(1);
        // "/gone" was not in the purge list; "/name" was unset last.
        assertThat(astarte.deviceProperties(this.device)).isEmpty();
        assertThat(astarte.deviceErrors(this.device)).isEmpty();

        // Astarte answers emptyCache: the consumer purge list, then every server property.
        Received purge = next();
        assertThat(purge.topic).isEqualTo(base() + "/control/consumer/properties");
        assertThat(purge.qos).isEqualTo(2);
        assertThat(AstartePayloads.decodePurgeList(purge.payload).entries()).containsExactly(SERVER_PROPS + "/rate");
        Received rate = next();
        assertThat(rate.topic).isEqualTo(base() + "/" + SERVER_PROPS + "/rate");
        assertThat(rate.payload).isEqualTo(hex("0c 00 00 00 10 76 00 05 00 00 00 00"));
    }

    @Test
    void serverPublishesReachTheSubscribedDevice() throws Exception {
        connect();
        subscribe("/control/consumer/properties", "/" + SERVER_PROPS + "/#", "/org.example.Commands/#");

        astarte.setServerProperty(this.device, SERVER_PROPS, "/rate", 10).get(30, TimeUnit.SECONDS);
        Received set = next();
        assertThat(set.topic).isEqualTo(base() + "/" + SERVER_PROPS + "/rate");
        assertThat(set.payload).isEqualTo(hex("0c 00 00 00 10 76 00 0a 00 00 00 00"));
        assertThat(set.qos).isEqualTo(2);
        assertThat(astarte.serverProperties(this.device)).containsEntry(SERVER_PROPS + "/rate", 10);

        Map<String, Object> object = new LinkedHashMap<>();
        object.put("hum", 67.112);
        object.put("temp", 25.3123);
        astarte.sendDatastream(this.device, "org.example.Commands", "/room1", object, null, 1);
        Received aggregate = next();
        assertThat(aggregate.topic).isEqualTo(base() + "/org.example.Commands/room1");
        assertThat(aggregate.payload).isEqualTo(hex("28 00 00 00 03 76 00 20 00 00 00 01 68 75 6d 00 "
                + "ba 49 0c 02 2b c7 50 40 01 74 65 6d 70 00 72 8a 8e e4 f2 4f 39 40 00 00"));
        assertThat(aggregate.qos).isEqualTo(1);

        astarte.unsetServerProperty(this.device, SERVER_PROPS, "/rate");
        Received unset = next();
        assertThat(unset.payload).isEmpty();
        assertThat(astarte.serverProperties(this.device)).isEmpty();

        astarte.sendConsumerPurgeList(this.device, new LinkedHashSet<>(
                List.of("com.example.MyInterface/some/path", "org.example.DraftInterface/otherPath")));
        assertThat(next().payload).isEqualTo(hex(PURGE_EXAMPLE));
    }

    @Test
    void queuesServerDataForAnOfflineDeviceWithASession() throws Exception {
        connect();
        subscribe("/" + SERVER_PROPS + "/#");
        this.client.disconnect().waitForCompletion(WAIT);
        this.client.close(true);
        astarte.setServerProperty(this.device, SERVER_PROPS, "/mode", "eco").get(30, TimeUnit.SECONDS);
        assertThat(connect()).isTrue();
        Received queued = next();
        assertThat(queued.topic).isEqualTo(base() + "/" + SERVER_PROPS + "/mode");
        assertThat(AstartePayloads.decode(queued.payload).value()).isEqualTo("eco");
    }

    @Test
    void aDeviceErrorDisconnectsAndWipesTheSession() throws Exception {
        connect();
        subscribe("/control/consumer/properties");
        publish("", (SENSORS + ":1:0;" + SERVER_PROPS + ":1:0").getBytes(), 2);
        // Data on an interface that is not in the introspection.
        publishOffending("/org.example.Unknown/x", AstartePayloads.bson(1, null));
        Awaitility.await().atMost(TIMEOUT).until(() -> !this.client.isConnected());
        assertThat(astarte.deviceErrors(this.device)).extracting(DeviceError::reason)
            .containsExactly("interface_not_in_introspection");
        this.client.close(true);
        assertThat(connect()).isFalse();

        publishOffending("/" + SERVER_PROPS + "/rate", AstartePayloads.bson(1, null));
        Awaitility.await().atMost(TIMEOUT).until(() -> !this.client.isConnected());
        this.client.close(true);
        connect();
        publishOffending("/" + SENSORS + "/x", new byte[] { 1, 2, 3 });
        Awaitility.await().atMost(TIMEOUT).until(() -> !this.client.isConnected());
        assertThat(astarte.deviceErrors(this.device)).extracting(DeviceError::reason)
            .containsExactly("interface_not_in_introspection", "write_on_server_owned_interface",
                    "undecodable_bson_payload");
    }

    @Test
    void aPayloadOverTheBrokerLimitDropsTheConnectionButKeepsTheSession() throws Exception {
        connect();
        subscribe("/control/consumer/properties");
        publish("", (SENSORS + ":1:0").getBytes(), 2);
        publish("/" + SENSORS + "/blob", AstartePayloads.bson(new byte[65_000], null), 1);
        publishOffending("/" + SENSORS + "/blob", AstartePayloads.bson(new byte[65_536], null));
        Awaitility.await().atMost(TIMEOUT).until(() -> !this.client.isConnected());
        assertThat(astarte.deviceErrors(this.device)).extracting(DeviceError::reason)
            .containsExactly("max_message_size_exceeded");
        assertThat(astarte.messages(this.device)).extracting(DeviceMessage::kind)
            .containsExactly(Kind.INTROSPECTION, Kind.DATA);
        this.client.close(true);
        assertThat(connect()).isTrue();
    }

    private record Received(String topic, byte[] payload, int qos) {
    }
}
