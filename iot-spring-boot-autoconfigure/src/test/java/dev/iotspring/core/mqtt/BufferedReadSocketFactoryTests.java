package dev.iotspring.core.mqtt;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

import javax.net.ssl.SSLSocketFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/** The sockets Paho gets for {@code tcp://} and {@code ws://}: read as Paho reads, against a real server socket. */
class BufferedReadSocketFactoryTests {

    /** Three PUBACKs (packet ids 1, 2, 3) as a broker writes them, in one segment. */
    private static final byte[] THREE_PUBACKS = { 0x40, 2, 0, 1, 0x40, 2, 0, 2, 0x40, 2, 0, 3 };

    private ServerSocket server;

    private Socket client;

    private Socket broker;

    @BeforeEach
    void connect() throws Exception {
        this.server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        // As Paho does: an unconnected socket, connected with a timeout.
        this.client = BufferedReadSocketFactory.INSTANCE.createSocket();
        this.client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.server.getLocalPort()), 5000);
        this.broker = this.server.accept();
        this.broker.setTcpNoDelay(true);
    }

    @AfterEach
    void close() throws Exception {
        this.client.close();
        this.broker.close();
        this.server.close();
    }

    @Test
    void oneReadTakesEveryPacketThatHasArrived() throws Exception {
        OutputStream out = this.broker.getOutputStream();
        out.write(THREE_PUBACKS);
        out.flush();
        InputStream in = this.client.getInputStream();
        await().atMost(Duration.ofSeconds(5)).until(() -> in.available() == THREE_PUBACKS.length);
        DataInputStream packets = new DataInputStream(in);

        assertThat(packets.readUnsignedByte()).isEqualTo(0x40);
        // A socket read byte by byte would have left the rest in the kernel, where shutting the input down drops
        // it; here the first read took all three acknowledgements.
        this.client.shutdownInput();
        assertThat(in.available()).isEqualTo(THREE_PUBACKS.length - 1);
        assertThat(readPacketId(packets, false)).isEqualTo(1);
        assertThat(readPacketId(packets, true)).isEqualTo(2);
        assertThat(readPacketId(packets, true)).isEqualTo(3);
        assertThat(in.read()).isEqualTo(-1);
    }

    @Test
    void aReadTimeoutLosesNothingAndTheStreamGoesOn() throws Exception {
        // Paho reads with a one-second timeout and reads again after each.
        this.client.setSoTimeout(50);
        DataInputStream packets = new DataInputStream(this.client.getInputStream());
        assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(packets::readUnsignedByte);

        OutputStream out = this.broker.getOutputStream();
        out.write(THREE_PUBACKS, 0, 5); // the first acknowledgement and the next one's first byte
        out.flush();
        this.client.setSoTimeout(5000);
        assertThat(readPacketId(packets, true)).isEqualTo(1);
        assertThat(packets.readUnsignedByte()).isEqualTo(0x40);
        this.client.setSoTimeout(50);
        assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(packets::readUnsignedByte);
        out.write(THREE_PUBACKS, 5, 7);
        out.flush();
        this.client.setSoTimeout(5000);
        assertThat(readPacketId(packets, false)).isEqualTo(2);
        assertThat(readPacketId(packets, true)).isEqualTo(3);
    }

    @Test
    void everyReaderSharesTheOneBuffer() throws Exception {
        // Paho's WebSocket handshake and its frame reader both ask the socket for its stream.
        assertThat(this.client.getInputStream()).isSameAs(this.client.getInputStream());
    }

    @Test
    void connectsWhenAskedForAConnectedSocket() throws Exception {
        try (Socket socket = BufferedReadSocketFactory.INSTANCE.createSocket(InetAddress.getLoopbackAddress(),
                this.server.getLocalPort()); Socket accepted = this.server.accept()) {
            accepted.getOutputStream().write(THREE_PUBACKS, 0, 4);
            assertThat(readPacketId(new DataInputStream(socket.getInputStream()), true)).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "mqtt://broker.example.com", "mqtt-tcp://broker.example.com", "ws://broker.example.com" })
    void plainConnectionsReadThroughIt(String url) {
        assertThat(MqttReconnectLoop.connectOptions(settings(url), MqttCredentials.none()).getSocketFactory())
            .isSameAs(BufferedReadSocketFactory.INSTANCE);
    }

    @ParameterizedTest
    @ValueSource(strings = { "mqtts://broker.example.com", "wss://broker.example.com" })
    void tlsConnectionsKeepTheirTlsSockets(String url) {
        assertThat(MqttReconnectLoop.connectOptions(settings(url), MqttCredentials.none()).getSocketFactory())
            .isNotSameAs(BufferedReadSocketFactory.INSTANCE)
            .satisfiesAnyOf((factory) -> assertThat(factory).isNull(),
                    (factory) -> assertThat(factory).isInstanceOf(SSLSocketFactory.class));
    }

    private static MqttConnectionSettings settings(String url) {
        return MqttConnectionSettings.builder(MqttEndpoint.parse(url), "transport").build();
    }

    /** A PUBACK read as Paho reads one: its first byte (unless read already), its length, then the rest. */
    private static int readPacketId(DataInputStream packets, boolean withFirstByte) throws Exception {
        if (withFirstByte) {
            assertThat(packets.readUnsignedByte()).isEqualTo(0x40);
        }
        byte[] rest = new byte[packets.readUnsignedByte()];
        packets.readFully(rest);
        return ((rest[0] & 0xff) << 8) | (rest[1] & 0xff);
    }
}
