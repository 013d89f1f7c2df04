package dev.iotspring.stellmap.autoconfigure;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.stellmap.InstanceQuery;
import dev.iotspring.stellmap.RegisterRequest;
import dev.iotspring.stellmap.ServiceInstance;
import dev.iotspring.stellmap.StellMapAutoRegistration;
import dev.iotspring.stellmap.StellMapRegistry;
import dev.iotspring.stellmap.WatchEvent;
import dev.iotspring.stellmap.WatchOptions;
import dev.iotspring.test.stellmap.StellMapEmulator;
import dev.iotspring.test.tls.IssuedCertificate;
import dev.iotspring.test.tls.TestCertificateAuthority;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * StellMap over https: a non-web application registers and watches through the emulator serving a certificate
 * of a test CA, trusted through a Spring Boot PEM SSL bundle named by {@code iot.stellmap.ssl.bundle}; without
 * the bundle (JVM trust store) nothing reaches the server.
 */
class StellMapTlsTests {

    private static final String REGISTER = "/api/v1/registry/register";

    private static final String SERVICE = "acme.retail.cart.cart-svc.api";

    static TestCertificateAuthority ca;

    static StellMapEmulator stellmap;

    private ConfigurableApplicationContext context;

    @BeforeAll
    static void startEmulator() {
        ca = TestCertificateAuthority.create("StellMap test CA");
        IssuedCertificate server = ca.issueLocalhostServer();
        stellmap = StellMapEmulator.builder()
            .tls(server.privateKey(), server.chain().toArray(X509Certificate[]::new))
            .start();
    }

    @AfterAll
    static void stopEmulator() {
        stellmap.close();
    }

    @BeforeEach
    void clear() {
        stellmap.clearRequests();
    }

    @AfterEach
    void closeContext() {
        if (this.context != null) {
            this.context.close();
        }
    }

    private ConfigurableApplicationContext start(String... extra) {
        List<String> properties = new ArrayList<>(List.of("spring.application.name=cart-svc",
                "iot.stellmap.enabled=true", "iot.stellmap.server-url=" + stellmap.url(),
                "iot.stellmap.namespace=staging", "iot.stellmap.organization=acme",
                "iot.stellmap.business-domain=retail", "iot.stellmap.capability-domain=cart",
                "iot.stellmap.application=cart-svc", "iot.stellmap.role=api", "iot.stellmap.host=127.0.0.1",
                "iot.stellmap.port=9000", "iot.stellmap.lease-ttl=3s", "spring.main.banner-mode=off"));
        properties.addAll(List.of(extra));
        this.context = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
            .properties(properties.toArray(String[]::new))
            .run();
        return this.context;
    }

    @Test
    void registersAndWatchesOverHttpsTrustingTheServerThroughAnSslBundle() {
        assertThat(stellmap.url()).startsWith("https://127.0.0.1:");
        start("spring.ssl.bundle.pem.stellmap.truststore.certificate=" + ca.certificatePem(),
                "iot.stellmap.ssl.bundle=stellmap");
        StellMapAutoRegistration registration = this.context.getBean(StellMapAutoRegistration.class);
        await().atMost(Duration.ofSeconds(30)).until(registration::isRegistered);
        RegisterRequest registered = registration.registration();
        assertThat(stellmap.instance("staging", SERVICE, registered.instanceId())).isPresent();
        Health health = this.context.getBean(StellMapHealthIndicator.class).health();
        assertThat(health.getDetails()).containsEntry("registered", true).doesNotContainKey("lastError");

        // The watch (SSE) stream over https: a snapshot with this instance, then a second instance's upsert.
        StellMapRegistry registry = this.context.getBean(StellMapRegistry.class);
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        Disposable watch = registry.watch(WatchOptions.of(InstanceQuery.of("staging", SERVICE)))
            .subscribe(events::add);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> !events.isEmpty());
            assertThat(events.get(0).type()).isEqualTo(WatchEvent.Type.SNAPSHOT);
            assertThat(events.get(0).instances()).extracting(ServiceInstance::instanceId)
                .containsExactly(registered.instanceId());
            registry.register(new RegisterRequest("staging", SERVICE, "cart-2", null, registered.labels(),
                    registered.metadata(), registered.endpoints(), registered.leaseTtl()));
            await().atMost(Duration.ofSeconds(30))
                .until(() -> events.stream()
                    .anyMatch((e) -> e.type() == WatchEvent.Type.UPSERT && e.instance() != null
                            && e.instance().instanceId().equals("cart-2")));
        }
        finally {
            watch.dispose();
        }
    }

    @Test
    void withoutTheBundleTheUntrustedServerIsRefusedAndNothingReachesIt() {
        start();
        StellMapAutoRegistration registration = this.context.getBean(StellMapAutoRegistration.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> registration.lastError() != null);
        assertThat(registration.isRegistered()).isFalse();
        Health health = this.context.getBean(StellMapHealthIndicator.class).health();
        assertThat(health.getDetails()).containsEntry("registered", false).containsKey("lastError");
        // The handshake fails before any HTTP request: the emulator records none.
        assertThat(stellmap.requests(REGISTER)).isEmpty();
        assertThat(stellmap.requests()).isEmpty();
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ SslAutoConfiguration.class, IotCoreAutoConfiguration.class,
            StellMapAutoConfiguration.class })
    static class App {

    }
}
