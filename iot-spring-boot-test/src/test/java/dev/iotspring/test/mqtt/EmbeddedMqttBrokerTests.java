package dev.iotspring.test.mqtt;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The broker's own contract, checked with a plain Paho client. */
@EnableEmbeddedMqttBroker
class EmbeddedMqttBrokerTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    static EmbeddedMqttBroker broker;

    @BeforeAll
    static void broker(EmbeddedMqttBroker shared) {
        broker = shared;
    }

    @Test
    void recordsConnectAndPublishOverTcp() throws Exception {
        MqttAsyncClient client = client(broker.tcpUrl().replace("mqtt://", "tcp://"), "rec-tcp");
        MqttConnectOptions options = options();
        options.setUserName("alice");
        options.setPassword("secret".toCharArray());
        options.setKeepAliveInterval(17);
        client.connect(options).waitForCompletion(10_000);
        client.publish("in/org", "hello".getBytes(StandardCharsets.UTF_8), 1, false).waitForCompletion(10_000);

        RecordedConnect connect = broker.awaitConnects(c -> c.clientId().equals("rec-tcp"), 1, TIMEOUT).get(0);
        assertThat(connect.accepted()).isTrue();
        assertThat(connect.info().username()).isEqualTo("alice");
        assertThat(connect.info().passwordAsString()).isEqualTo("secret");
        assertThat(connect.info().cleanSession()).isTrue();
        assertThat(connect.info().keepAliveSeconds()).isEqualTo(17);
        assertThat(connect.info().protocolVersion()).isEqualTo(4);
        assertThat(connect.info().toString()).doesNotContain("secret");
        RecordedPublish publish = broker.awaitPublishes(1, TIMEOUT).get(0);
        assertThat(publish.clientId()).isEqualTo("rec-tcp");
        assertThat(publish.topic()).isEqualTo("in/org");
        assertThat(publish.qos()).isEqualTo(1);
        assertThat(publish.retain()).isFalse();
        assertThat(publish.payloadAsString()).isEqualTo("hello");
        close(client);
    }

    @Test
    void acceptsWebSocketAtMqttPath() throws Exception {
        MqttAsyncClient client = client(broker.webSocketUrl(), "rec-ws");
        client.connect(options()).waitForCompletion(10_000);
        client.publish("ws/topic", new byte[] { 1, 2, 3 }, 1, true).waitForCompletion(10_000);
        RecordedPublish publish = broker.awaitPublishes(1, TIMEOUT).get(0);
        assertThat(publish.payload()).containsExactly(1, 2, 3);
        assertThat(publish.retain()).isTrue();
        close(client);
    }

    @Test
    void authenticatorRejectsWithReasonCode() throws Exception {
        broker.authenticator(MqttAuthenticator.usernamePassword("user", "right"));
        MqttAsyncClient client = client(broker.tcpUrl().replace("mqtt://", "tcp://"), "rec-auth");
        MqttConnectOptions options = options();
        options.setUserName("user");
        options.setPassword("wrong".toCharArray());
        assertThatThrownBy(() -> client.connect(options).waitForCompletion(10_000))
            .isInstanceOfSatisfying(MqttException.class,
                    ex -> assertThat(ex.getReasonCode()).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION));
        assertThat(broker.connects()).singleElement().satisfies(c -> assertThat(c.accepted()).isFalse());
        client.close(true);
    }

    @Test
    void refusedConnectsGetServerUnavailable() throws Exception {
        broker.refuseConnects(true);
        MqttAsyncClient client = client(broker.tcpUrl().replace("mqtt://", "tcp://"), "rec-refused");
        assertThatThrownBy(() -> client.connect(options()).waitForCompletion(10_000))
            .isInstanceOfSatisfying(MqttException.class,
                    ex -> assertThat(ex.getReasonCode()).isEqualTo(MqttException.REASON_CODE_BROKER_UNAVAILABLE));
        broker.refuseConnects(false);
        client.connect(options()).waitForCompletion(10_000);
        assertThat(client.isConnected()).isTrue();
        close(client);
    }

    @Test
    void withheldAcknowledgementIsDeliveredOnRelease() throws Exception {
        MqttAsyncClient client = client(broker.tcpUrl().replace("mqtt://", "tcp://"), "rec-hold");
        client.connect(options()).waitForCompletion(10_000);
        broker.withholdAcks();
        IMqttDeliveryToken token = client.publish("held", new byte[] { 9 }, 1, false);
        broker.awaitPublishes(1, TIMEOUT);
        broker.awaitHeldAcks(1, TIMEOUT);
        assertThat(token.isComplete()).isFalse();
        broker.releaseAcks();
        token.waitForCompletion(10_000);
        assertThat(token.isComplete()).isTrue();
        assertThat(token.getException()).isNull();
        close(client);
    }

    @Test
    void topicAuthorizerRefusesSubscriptionsOutsideTheIdentity() throws Exception {
        broker.topicAuthorizer(MqttTopicAuthorizer.identityPrefix());
        MqttAsyncClient client = client(broker.tcpUrl().replace("mqtt://", "tcp://"), "rec-acl");
        MqttConnectOptions options = options();
        options.setUserName("realm/dev1");
        client.connect(options).waitForCompletion(10_000);
        IMqttToken subscribed = client.subscribe(new String[] { "realm/dev1/#", "realm/dev2/#" }, new int[] { 1, 1 });
        subscribed.waitForCompletion(10_000);
        int[] granted = subscribed.getGrantedQos();
        assertThat(granted).containsExactly(1, 0x80);
        close(client);
    }

    @Test
    void disconnectClientDropsTheConnection() throws Exception {
        MqttAsyncClient client = client(broker.tcpUrl().replace("mqtt://", "tcp://"), "rec-drop");
        client.connect(options()).waitForCompletion(10_000);
        assertThat(broker.isClientConnected("rec-drop")).isTrue();
        assertThat(broker.disconnectClient("rec-drop")).isTrue();
        org.awaitility.Awaitility.await().atMost(TIMEOUT).until(() -> !client.isConnected());
        client.close(true);
    }

    @Test
    void speaksMqtt5AndRefusesWithMqtt5ReasonCodes() throws Exception {
        String uri = broker.tcpUrl().replace("mqtt://", "tcp://");
        org.eclipse.paho.mqttv5.client.MqttAsyncClient v5 = new org.eclipse.paho.mqttv5.client.MqttAsyncClient(uri,
                "rec-v5", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        var options = new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
        options.setUserName("v5-user");
        options.setKeepAliveInterval(5);
        v5.connect(options).waitForCompletion(10_000);
        v5.publish("v5/in", "five".getBytes(StandardCharsets.UTF_8), 1, false).waitForCompletion(10_000);
        assertThat(broker.awaitConnects(1, TIMEOUT).get(0).info().protocolVersion()).isEqualTo(5);
        assertThat(broker.awaitPublishes(1, TIMEOUT).get(0).payloadAsString()).isEqualTo("five");
        v5.disconnect().waitForCompletion(10_000);
        v5.close();

        broker.authenticator(c -> MqttAuthenticator.Decision.reject(MqttAuthenticator.Decision.Refusal.NOT_AUTHORIZED));
        org.eclipse.paho.mqttv5.client.MqttAsyncClient refused = new org.eclipse.paho.mqttv5.client.MqttAsyncClient(
                uri, "rec-v5-refused", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        assertThatThrownBy(() -> refused.connect(new org.eclipse.paho.mqttv5.client.MqttConnectionOptions())
            .waitForCompletion(10_000)).isInstanceOfSatisfying(org.eclipse.paho.mqttv5.common.MqttException.class,
                    ex -> assertThat(ex.getReasonCode()).isEqualTo(0x87));
        refused.close();
    }

    @Test
    void aSecondConnectWithTheSameClientIdTakesTheSessionOver() throws Exception {
        MqttAsyncClient first = client(broker.tcpUrl().replace("mqtt://", "tcp://"), "rec-dup");
        first.connect(options()).waitForCompletion(10_000);
        MqttAsyncClient second = client(broker.tcpUrl().replace("mqtt://", "tcp://"), "rec-dup");
        second.connect(options()).waitForCompletion(10_000);
        org.awaitility.Awaitility.await().atMost(TIMEOUT).until(() -> !first.isConnected());
        assertThat(second.isConnected()).isTrue();
        first.close(true);
        close(second);
    }

    @Test
    void publishesFromInsideToSubscribersAndTellsListenersOfClientPublishes() throws Exception {
        java.util.List<RecordedPublish> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.function.Consumer<RecordedPublish> listener = heard::add;
        broker.addPublishListener(listener);
        try {
            java.util.concurrent.BlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
            MqttAsyncClient client = client(broker.tcpUrl().replace("mqtt://", "tcp://"), "rec-inside");
            client.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                    received.add(topic + "=" + new String(message.getPayload(), StandardCharsets.UTF_8) + "@"
                            + message.getQos());
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            client.connect(options()).waitForCompletion(10_000);
            client.subscribe("inside/#", 2).waitForCompletion(10_000);
            broker.publish("inside/a", "from the broker".getBytes(StandardCharsets.UTF_8), 2).get(10, TimeUnit.SECONDS);
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("inside/a=from the broker@2");
            assertThat(broker.publishes()).isEmpty();
            client.publish("outside", new byte[] { 7 }, 1, false).waitForCompletion(10_000);
            assertThat(heard).extracting(RecordedPublish::topic).containsExactly("outside");
            close(client);
        }
        finally {
            broker.removePublishListener(listener);
        }
    }

    @Test
    void invalidatingASessionDisconnectsAndForgetsIt() throws Exception {
        MqttAsyncClient client = client(broker.tcpUrl().replace("mqtt://", "tcp://"), "rec-wipe");
        MqttConnectOptions options = options();
        options.setCleanSession(false);
        client.connect(options).waitForCompletion(10_000);
        assertThat(broker.invalidateSession("rec-wipe")).isTrue();
        org.awaitility.Awaitility.await().atMost(TIMEOUT).until(() -> !client.isConnected());
        IMqttToken again = client.connect(options);
        again.waitForCompletion(10_000);
        assertThat(again.getSessionPresent()).isFalse();
        assertThat(broker.invalidateSession("no-such-client")).isFalse();
        close(client);
    }

    @Test
    void awaitFailsWithWhatArrived() {
        assertThatThrownBy(() -> broker.awaitPublishes(1, Duration.ofMillis(50))).isInstanceOf(AssertionError.class)
            .hasMessageContaining("recorded 0");
        assertThat(broker.publishes()).isEqualTo(List.of());
    }

    static MqttAsyncClient client(String uri, String clientId) throws MqttException {
        return new MqttAsyncClient(uri, clientId, new MemoryPersistence());
    }

    static MqttConnectOptions options() {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setConnectionTimeout(10);
        return options;
    }

    static void close(MqttAsyncClient client) throws MqttException {
        client.disconnect().waitForCompletion(10_000);
        client.close(true);
    }
}
