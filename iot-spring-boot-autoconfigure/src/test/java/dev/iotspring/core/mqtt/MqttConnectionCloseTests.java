package dev.iotspring.core.mqtt;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stopping or closing a connection whose CONNECT is still unanswered. Paho can neither abort a CONNECT nor close a
 * client while it connects: the CONNACK that comes later must not leave a live connection (and its four threads)
 * that nobody owns, holding the client id at the broker.
 */
class MqttConnectionCloseTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A broker that takes TCP connections and reads the CONNECT, answering only when the test says so. */
    private ServerSocket server;

    private MqttConnection connection;

    @BeforeEach
    void silentBroker() throws IOException {
        this.server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        this.server.setSoTimeout((int) TIMEOUT.toMillis());
        this.connection = new MqttConnection(MqttConnectionSettings
            .builder(MqttEndpoint.parse("mqtt://127.0.0.1:" + this.server.getLocalPort()), "c-unanswered")
            .connectTimeout(Duration.ofMinutes(5)) // far beyond the test: the attempt ends with its CONNACK
            .backoff(new dev.iotspring.core.delivery.RetryBackoff(Duration.ofMillis(10), Duration.ofMillis(50), 2, 0))
            .build());
    }

    @AfterEach
    void close() throws IOException {
        this.connection.close();
        this.server.close();
    }

    @Test
    void aConnackAfterCloseIsAnsweredWithADisconnect() throws Exception {
        this.connection.start();
        try (Socket broker = acceptConnect()) {
            this.connection.close();
            connack(broker);
            // The client lets go of the connection the late CONNACK made: the broker reads end of stream.
            assertThat(broker.getInputStream().read()).as("end of stream after the late CONNACK").isEqualTo(-1);
            assertThat(this.connection.isConnected()).isFalse();
            assertThat(this.connection.state()).isEqualTo(MqttConnectionState.STOPPED);
        }
    }

    @Test
    void aConnackAfterStopIsAnsweredWithADisconnectAndTheNextStartConnects() throws Exception {
        this.connection.start();
        try (Socket first = acceptConnect()) {
            this.connection.stop();
            this.connection.start(); // retried with back-off while Paho still waits for the first CONNACK
            connack(first);
            assertThat(first.getInputStream().read()).as("end of stream after the stale CONNACK").isEqualTo(-1);
            try (Socket second = acceptConnect()) {
                connack(second);
                await().atMost(TIMEOUT).until(this.connection::isConnected);
            }
        }
    }

    /** Accepts the next connection and reads its CONNECT packet. */
    private Socket acceptConnect() throws Exception {
        Socket socket = CompletableFuture.supplyAsync(() -> {
            try {
                return this.server.accept();
            }
            catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
        }).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        InputStream in = socket.getInputStream();
        assertThat(in.read()).as("CONNECT packet type").isEqualTo(0x10);
        int length = in.read(); // below 128 here: one length byte
        assertThat(in.readNBytes(length)).hasSize(length);
        return socket;
    }

    /** CONNACK: accepted, no session present. */
    private static void connack(Socket socket) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(new byte[] { 0x20, 0x02, 0x00, 0x00 });
            out.flush();
        }
        catch (IOException ex) {
            // already reset by the client: nothing to connect
        }
    }
}
