package dev.iotspring.astarte;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

import org.jspecify.annotations.Nullable;

/**
 * Presents the device's current client certificate in TLS handshakes. The certificate changes when Astarte
 * issues a new one, while the MQTT connection keeps one socket factory for its whole life: so the factory's
 * key manager reads the credentials at each handshake instead of holding a fixed key store.
 */
final class AstarteKeyManager extends X509ExtendedKeyManager {

    private static final String ALIAS = "astarte-device";

    private volatile @Nullable AstarteCredentials credentials;

    void use(AstarteCredentials credentials) {
        this.credentials = credentials;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return (this.credentials != null) ? new String[] { ALIAS } : new String[0];
    }

    @Override
    public @Nullable String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return (this.credentials != null) ? ALIAS : null;
    }

    @Override
    public @Nullable String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return (this.credentials != null) ? ALIAS : null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return new String[0];
    }

    @Override
    public @Nullable String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public X509Certificate @Nullable [] getCertificateChain(String alias) {
        AstarteCredentials c = this.credentials;
        return (c != null && ALIAS.equals(alias)) ? new X509Certificate[] { c.certificate() } : null;
    }

    @Override
    public @Nullable PrivateKey getPrivateKey(String alias) {
        AstarteCredentials c = this.credentials;
        return (c != null && ALIAS.equals(alias)) ? c.privateKey() : null;
    }
}
