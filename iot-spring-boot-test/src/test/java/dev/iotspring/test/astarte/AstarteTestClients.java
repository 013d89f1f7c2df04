package dev.iotspring.test.astarte;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.jspecify.annotations.Nullable;

import dev.iotspring.test.tls.IssuedCertificate;
import dev.iotspring.test.tls.TestCertificateAuthority;

/** Plain clients for the emulator tests: JDK HttpClient, BouncyCastle CSRs, Paho v3 with mutual TLS. */
final class AstarteTestClients {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final SecureRandom RANDOM = new SecureRandom();

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    private AstarteTestClients() {
    }

    static HttpResponse<String> send(String method, String url, @Nullable String bearer, @Nullable String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT);
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (json != null) {
            request.header("Content-Type", "application/json; charset=utf-8");
        }
        request.method(method, (json != null) ? HttpRequest.BodyPublishers.ofString(json)
                : HttpRequest.BodyPublishers.noBody());
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** A random 16-byte device id (22 characters). */
    static String newDevice() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static KeyPair ecKeys(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException(ex);
        }
    }

    static KeyPair rsaKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** A PEM CSR for {@code keys}, signed SHA256withECDSA, with the given subject. */
    static String csr(KeyPair keys, String subject) {
        try {
            var request = new JcaPKCS10CertificationRequestBuilder(new X500Name(subject), keys.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
            StringWriter out = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
                writer.writeObject(request);
            }
            return out.toString();
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** JSON string literal of {@code text}. */
    static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    /** A Paho v3 client for {@code ssl://localhost:<port>} (the broker URL without its trailing slash). */
    static MqttAsyncClient paho(AstarteEmulator astarte, String clientId) throws Exception {
        String uri = astarte.brokerUrl().replace("mqtts://", "ssl://");
        return new MqttAsyncClient(uri.substring(0, uri.length() - 1), clientId, new MemoryPersistence());
    }

    /** Disconnects (when connected) and closes a client; null is fine. */
    static void close(@Nullable MqttAsyncClient client) throws MqttException {
        if (client != null) {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(TIMEOUT.toMillis());
            }
            client.close(true);
        }
    }

    /** MQTT 3.1.1, clean session false, TLS with {@code certificate} (or none) trusting {@code ca}. */
    static MqttConnectOptions options(TestCertificateAuthority ca, @Nullable IssuedCertificate certificate)
            throws GeneralSecurityException {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(ca.trustStore());
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        char[] password = "secret".toCharArray();
        if (certificate != null) {
            keys.init(certificate.keyStore(password), password);
        }
        SSLContext context = SSLContext.getInstance("TLSv1.2");
        context.init((certificate != null) ? keys.getKeyManagers() : null, trust.getTrustManagers(), null);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(false);
        options.setConnectionTimeout(30);
        options.setSocketFactory(context.getSocketFactory());
        return options;
    }
}
