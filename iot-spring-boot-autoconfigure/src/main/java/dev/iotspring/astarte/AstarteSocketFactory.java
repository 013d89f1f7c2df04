package dev.iotspring.astarte;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

import org.jspecify.annotations.Nullable;

/**
 * The TLS socket factory of the broker connection. A new certificate gets a new {@link SSLContext}: with the old
 * one, the next handshake would resume the cached TLS session and present the replaced (revoked) certificate
 * again, and the broker would refuse every reconnect.
 */
final class AstarteSocketFactory extends SSLSocketFactory {

    private final AstarteKeyManager keyManager;

    private final TrustManager @Nullable [] trustManagers;

    /** Made on first use: initialising TLS is no work for the application's startup. */
    private volatile @Nullable SSLSocketFactory delegate;

    private volatile @Nullable AstarteCredentials credentials;

    AstarteSocketFactory(AstarteKeyManager keyManager, TrustManager @Nullable [] trustManagers) {
        this.keyManager = keyManager;
        this.trustManagers = trustManagers;
    }

    private SSLSocketFactory delegate() {
        SSLSocketFactory current = this.delegate;
        if (current == null) {
            synchronized (this) {
                current = this.delegate;
                if (current == null) {
                    current = newContext().getSocketFactory();
                    this.delegate = current;
                }
            }
        }
        return current;
    }

    /** Switches to a fresh TLS context when the device's credentials changed. */
    void use(AstarteCredentials current) {
        if (current != this.credentials) {
            this.keyManager.use(current);
            this.credentials = current;
            this.delegate = newContext().getSocketFactory();
        }
    }

    private SSLContext newContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] { this.keyManager }, this.trustManagers, null);
            return context;
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("Cannot build the TLS context for Astarte: " + ex.getMessage(), ex);
        }
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return delegate().getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return delegate().getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket() throws IOException {
        return delegate().createSocket();
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
        return delegate().createSocket(s, host, port, autoClose);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return delegate().createSocket(host, port);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return delegate().createSocket(host, port, localHost, localPort);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return delegate().createSocket(host, port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return delegate().createSocket(address, port, localAddress, localPort);
    }
}
