package dev.iotspring.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttAsyncClient;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttConnectionListener;
import dev.iotspring.core.mqtt.MqttConnectionSettings;
import dev.iotspring.core.mqtt.MqttEndpoint;

/**
 * The raw side of every MQTT pair: Paho's async client used directly, a semaphore keeping it inside its
 * in-flight window, a latch waiting for the last acknowledgement. One implementation, so every pair's baseline
 * does the same work.
 */
final class RawPahoBatch {

    private RawPahoBatch() {
    }

    /** A connected Paho client (MQTT 3.1.1, no reconnect, memory persistence) with {@code window} in flight. */
    static MqttAsyncClient connect(String brokerUrl, String clientId, int window) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(MqttEndpoint.parse(brokerUrl).pahoServerUri(), clientId,
                new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setMaxInflight(window);
        options.setAutomaticReconnect(false);
        client.connect(options).waitForCompletion(30_000);
        return client;
    }

    /** The starter's connection with {@code window} in flight, started and connected. */
    static MqttConnection connectStarter(String brokerUrl, String clientId, int window) {
        MqttConnection connection = new MqttConnection(MqttConnectionSettings
            .builder(MqttEndpoint.parse(brokerUrl), clientId)
            .maxInflight(window)
            .build());
        CompletableFuture<Boolean> connected = new CompletableFuture<>();
        connection.addConnectionListener(new MqttConnectionListener() {
            @Override
            public void connected(boolean sessionPresent) {
                connected.complete(sessionPresent);
            }
        });
        connection.start();
        connected.orTimeout(30, TimeUnit.SECONDS).join();
        return connection;
    }

    /** Publishes {@code count} QoS 1 messages and returns once the broker acknowledged all of them. */
    static void publish(IMqttAsyncClient client, Semaphore window, String topic, byte[] payload, int count)
            throws Exception {
        publish(client, window, topic, () -> payload, count);
    }

    /** The same at another QoS (2: until PUBCOMP). */
    static void publish(IMqttAsyncClient client, Semaphore window, String topic, byte[] payload, int count, int qos)
            throws Exception {
        publish(client, window, topic, () -> payload, count, qos);
    }

    /** The same, each message's bytes made by {@code payloads} just before it is published. */
    static void publish(IMqttAsyncClient client, Semaphore window, String topic, Supplier<byte[]> payloads,
            int count) throws Exception {
        publish(client, window, topic, payloads, count, 1);
    }

    private static void publish(IMqttAsyncClient client, Semaphore window, String topic, Supplier<byte[]> payloads,
            int count, int qos) throws Exception {
        CountDownLatch done = new CountDownLatch(count);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        IMqttActionListener listener = new IMqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                window.release();
                done.countDown();
            }

            @Override
            public void onFailure(IMqttToken token, Throwable ex) {
                failure.compareAndSet(null, ex);
                window.release();
                done.countDown();
            }
        };
        for (int i = 0; i < count; i++) {
            window.acquire();
            byte[] payload = payloads.get();
            client.publish(topic, payload, qos, false, null, listener);
        }
        done.await();
        if (failure.get() != null) {
            throw new IllegalStateException("raw publish failed", failure.get());
        }
    }
}
