package dev.iotspring.streamsea.autoconfigure;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.streamsea.FieldType;
import dev.iotspring.streamsea.SchemaDefinition;
import dev.iotspring.streamsea.StreamSeaException;
import dev.iotspring.streamsea.StreamSeaTemplate;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** https and wss against the emulator, trusting its certificate through a Spring Boot SSL bundle. */
class StreamSeaTlsTests {

    static StreamSeaEmulator emulator;

    static String certificatePem;

    @BeforeAll
    static void startEmulator() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        X509Certificate certificate = selfSigned(keys);
        StringWriter pem = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
            writer.writeObject(certificate);
        }
        certificatePem = pem.toString();
        emulator = new StreamSeaEmulator().addClient("jail", "svc", "secret").tls(keys.getPrivate(), certificate).start();
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }

    final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, IotCoreAutoConfiguration.class,
                StreamSeaAutoConfiguration.class))
        .withPropertyValues("iot.stream-sea.enabled=true", "iot.stream-sea.remote-host=127.0.0.1",
                "iot.stream-sea.remote-port=" + emulator.port(), "iot.stream-sea.client-id=svc",
                "iot.stream-sea.client-secret=secret", "iot.stream-sea.reconnect.initial-delay=200ms");

    @Test
    void publishesAndSubscribesOverTlsWithAnSslBundle() {
        this.runner.withPropertyValues("spring.ssl.bundle.pem.stream-sea.truststore.certificate=" + certificatePem,
                "iot.stream-sea.ssl.bundle=stream-sea")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
                assertThat(template.getSettings().webSocketUri().getScheme()).isEqualTo("wss");
                template.defineStream(SchemaDefinition.builder("secure", 1).field("n", FieldType.INTEGER).build());
                List<JsonNode> received = new CopyOnWriteArrayList<>();
                var subscription = template.subscribeFanout("secure", JsonNode.class).subscribe(received::add);
                await().atMost(Duration.ofSeconds(5)).until(() -> emulator.subscriberCount("jail", "secure") == 1);
                template.publish("secure", Map.of("n", 1)).join();
                await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 1);
                subscription.dispose();
            });
    }

    @Test
    void withoutTheBundleTheUntrustedServerIsRefused() {
        this.runner.run((context) -> {
            StreamSeaTemplate template = context.getBean(StreamSeaTemplate.class);
            assertThatThrownBy(() -> template.describeStream("secure")).isInstanceOf(StreamSeaException.class);
            await().atMost(Duration.ofSeconds(5)).until(() -> template.connectionState().lastError() != null);
            assertThat(template.connectionState().connected()).isFalse();
            assertThat(emulator.connections()).noneMatch((c) -> c.authenticatedAt() != null
                    && c.openedAt().isAfter(Instant.now().minusSeconds(5)) && c.isOpen());
        });
    }

    private static X509Certificate selfSigned(KeyPair keys) throws Exception {
        X500Name name = new X500Name("CN=stream-sea emulator");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), name, keys.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                new GeneralName[] { new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                        new GeneralName(GeneralName.dNSName, "localhost") }));
        return new JcaX509CertificateConverter()
            .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
    }
}
