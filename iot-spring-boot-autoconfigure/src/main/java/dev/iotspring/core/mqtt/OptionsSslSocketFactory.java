package dev.iotspring.core.mqtt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;

import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import org.jspecify.annotations.Nullable;

/**
 * Applies an SSL bundle's enabled protocols and cipher suites ({@code spring.ssl.bundle.*.options}) to every
 * socket, which a plain {@code SSLContext} socket factory would not.
 */
final class OptionsSslSocketFactory extends SSLSocketFactory {

    private final SSLSocketFactory delegate;

    private final String @Nullable [] protocols;

    private final String @Nullable [] ciphers;

    OptionsSslSocketFactory(SSLSocketFactory delegate, String @Nullable [] protocols, String @Nullable [] ciphers) {
        this.delegate = delegate;
        this.protocols = protocols;
        this.ciphers = ciphers;
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return (this.ciphers != null) ? this.ciphers.clone() : this.delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return this.delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket() throws IOException {
        return configure(this.delegate.createSocket());
    }

    @Override
    public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
        return configure(this.delegate.createSocket(socket, host, port, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return configure(this.delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return configure(this.delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return configure(this.delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return configure(this.delegate.createSocket(address, port, localAddress, localPort));
    }

    private Socket configure(Socket socket) {
        if (socket instanceof SSLSocket ssl) {
            if (this.protocols != null) {
                ssl.setEnabledProtocols(this.protocols);
            }
            if (this.ciphers != null) {
                ssl.setEnabledCipherSuites(this.ciphers);
            }
        }
        return socket;
    }
}
