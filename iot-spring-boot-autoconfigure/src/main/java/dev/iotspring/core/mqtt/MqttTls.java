package dev.iotspring.core.mqtt;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Objects;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslOptions;

/**
 * TLS material for {@code mqtts://} and {@code wss://} endpoints: a socket factory (trust, and a client
 * certificate for mutual TLS) plus whether the broker's host name is checked against its certificate
 * (on by default; turning it off is for tests with hand-made certificates only).
 */
public final class MqttTls {

    private static final MqttTls JVM_DEFAULT = new MqttTls(null, true);

    private final @Nullable SSLSocketFactory socketFactory;

    private final boolean hostnameVerification;

    private MqttTls(@Nullable SSLSocketFactory socketFactory, boolean hostnameVerification) {
        this.socketFactory = socketFactory;
        this.hostnameVerification = hostnameVerification;
    }

    /** The JVM's trust store, no client certificate, host name verified. */
    public static MqttTls jvmDefault() {
        return JVM_DEFAULT;
    }

    /**
     * Trust and optional key material of a Spring Boot SSL bundle ({@code spring.ssl.bundle.*}), with its
     * enabled protocols and cipher suites when the bundle names them.
     */
    public static MqttTls of(SslBundle bundle) {
        Objects.requireNonNull(bundle, "bundle");
        SSLSocketFactory factory = bundle.createSslContext().getSocketFactory();
        SslOptions options = bundle.getOptions();
        if (options != null && options.isSpecified()) {
            factory = new OptionsSslSocketFactory(factory, options.getEnabledProtocols(), options.getCiphers());
        }
        return new MqttTls(factory, true);
    }

    /** An explicit socket factory, e.g. from an {@link SSLContext} built elsewhere. */
    public static MqttTls of(SSLSocketFactory socketFactory) {
        return new MqttTls(Objects.requireNonNull(socketFactory, "socketFactory"), true);
    }

    /**
     * From key stores.
     * @param keyStore client certificate and private key for mutual TLS, or null
     * @param keyPassword password of the private key entries, or null
     * @param trustStore CA certificates to trust, or null for the JVM's trust store
     */
    public static MqttTls of(@Nullable KeyStore keyStore, char @Nullable [] keyPassword,
            @Nullable KeyStore trustStore) {
        try {
            KeyManagerFactory kmf = null;
            if (keyStore != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keyStore, (keyPassword != null) ? keyPassword : new char[0]);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init((kmf != null) ? kmf.getKeyManagers() : null, tmf.getTrustManagers(), null);
            return new MqttTls(context.getSocketFactory(), true);
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalArgumentException(
                    "Cannot build a TLS context from the given key stores: " + ex.getMessage(), ex);
        }
    }

    /** A copy with host name verification switched; keep it on outside tests. */
    public MqttTls withHostnameVerification(boolean enabled) {
        return new MqttTls(this.socketFactory, enabled);
    }

    /** The socket factory, or null for the JVM default. */
    public @Nullable SSLSocketFactory socketFactory() {
        return this.socketFactory;
    }

    public boolean hostnameVerification() {
        return this.hostnameVerification;
    }

    @Override
    public String toString() {
        return "MqttTls[" + ((this.socketFactory != null) ? "custom" : "jvm-default") + ", hostnameVerification="
                + this.hostnameVerification + "]";
    }
}
