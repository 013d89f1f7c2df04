package dev.iotspring.core.mqtt;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

import javax.net.SocketFactory;

import org.jspecify.annotations.Nullable;

/**
 * Plain TCP sockets (MQTT over {@code tcp://} and {@code ws://}) whose input stream is buffered. Paho reads every
 * packet through an unbuffered {@code DataInputStream}: a PUBACK cost three {@code read} system calls (its first
 * byte, its length, its packet id) and an {@code ioctl} for the {@code available()} Paho asks before each packet.
 * Buffered, one {@code read} brings every acknowledgement that has arrived (docs/benchmarks.md: a quarter to a third
 * less CPU on Paho's receiving thread). TLS sockets are left as the JDK makes them: they read a record at a time and
 * serve Paho's small reads from the decrypted record.
 */
final class BufferedReadSocketFactory extends SocketFactory {

    static final BufferedReadSocketFactory INSTANCE = new BufferedReadSocketFactory();

    /** As {@code BufferedInputStream}'s default; a burst of 4-byte PUBACKs fills a fraction of it. */
    private static final int BUFFER_SIZE = 8192;

    private BufferedReadSocketFactory() {
    }

    /** The one Paho calls: it connects the socket itself, with its connect timeout. */
    @Override
    public Socket createSocket() {
        return new BufferedReadSocket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null, 0);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port), localHost, localPort);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null, 0);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(address, port), localAddress, localPort);
    }

    private static Socket connected(InetSocketAddress remote, @Nullable InetAddress local, int localPort)
            throws IOException {
        Socket socket = new BufferedReadSocket();
        try {
            socket.bind(new InetSocketAddress(local, localPort));
            socket.connect(remote);
            return socket;
        }
        catch (IOException ex) {
            socket.close();
            throw ex;
        }
    }

    /** A plain socket that hands every reader the same buffered stream (the buffer is the stream's state). */
    private static final class BufferedReadSocket extends Socket {

        private @Nullable InputStream input;

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            InputStream current = this.input;
            if (current == null) {
                current = new BufferedSocketInputStream(super.getInputStream());
                this.input = current;
            }
            return current;
        }
    }

    /** Answers {@code available()} from its buffer while it holds bytes, without asking the socket. */
    private static final class BufferedSocketInputStream extends BufferedInputStream {

        BufferedSocketInputStream(InputStream in) {
            super(in, BUFFER_SIZE);
        }

        @Override
        public synchronized int available() throws IOException {
            int buffered = this.count - this.pos;
            return (buffered > 0) ? buffered : super.available();
        }
    }
}
