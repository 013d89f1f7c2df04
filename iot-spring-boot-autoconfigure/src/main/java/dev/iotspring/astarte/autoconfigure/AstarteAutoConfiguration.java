package dev.iotspring.astarte.autoconfigure;

import java.net.URI;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.astarte.AstarteAgentToken;
import dev.iotspring.astarte.AstarteDevice;
import dev.iotspring.astarte.AstarteDeviceClient;
import dev.iotspring.astarte.AstarteDeviceSettings;
import dev.iotspring.astarte.AstarteInterfaceDefinitionException;
import dev.iotspring.astarte.AstarteInterfaces;
import dev.iotspring.astarte.AstartePairingClient;
import dev.iotspring.astarte.AstarteServerListener;
import dev.iotspring.core.autoconfigure.ConditionalOnLibrary;
import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.autoconfigure.IotShutdownProperties;
import dev.iotspring.core.autoconfigure.IotStorageProperties;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.config.PropertyChecks;
import dev.iotspring.core.event.IotEventPublisher;
import dev.iotspring.core.observation.IotObservations;
import dev.iotspring.core.http.HttpClientSettings;
import dev.iotspring.core.http.IotWebClients;
import dev.iotspring.core.observe.DeliveryMetrics;
import dev.iotspring.core.observe.IotMetrics;
import dev.iotspring.core.observe.PlatformMeters;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.QueueOrder;
import dev.iotspring.core.store.DeferredStore;
import dev.iotspring.core.store.IotStores;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.support.ResourcePatternResolver;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * An Astarte device, active with {@code iot.astarte.enabled=true}: interfaces loaded and checked at startup,
 * pairing through the Pairing API (registration, certificate), the {@link AstarteDevice} over MQTT with mutual
 * TLS, its store in the {@code astarte} SQLite file, health {@code astarte} and meters tagged
 * {@code platform=astarte}.
 */
@AutoConfiguration(after = IotCoreAutoConfiguration.class)
@ConditionalOnBooleanProperty("iot.astarte.enabled")
@ConditionalOnClass({ JsonMapper.class, WebClient.class })
@ConditionalOnLibrary({ "org.eclipse.paho.client.mqttv3.MqttAsyncClient", "org.bson.BsonDocument",
        "org.bouncycastle.pkcs.PKCS10CertificationRequest" })
@EnableConfigurationProperties({ AstarteProperties.class, IotShutdownProperties.class, IotStorageProperties.class })
public final class AstarteAutoConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(AstarteAutoConfiguration.class);

    static final String PLATFORM = "astarte";

    private final AstarteProperties properties;

    AstarteAutoConfiguration(AstarteProperties properties) {
        properties.validate();
        this.properties = properties;
    }

    /** The Pairing API of {@code iot.astarte.pairing-url}, unless the application (or a test) has its own. */
    @Bean
    @ConditionalOnMissingBean(AstarteConnectionDetails.class)
    PropertiesAstarteConnectionDetails astarteConnectionDetails() {
        return new PropertiesAstarteConnectionDetails(this.properties);
    }

    @Bean
    @ConditionalOnMissingBean
    AstarteInterfaces astarteInterfaces(ResourcePatternResolver resolver, ObjectProvider<JsonMapper> jsonMapper) {
        try {
            return AstarteInterfaces.load(resolver, this.properties.getInterfaces(),
                    jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()));
        }
        catch (AstarteInterfaceDefinitionException ex) {
            throw new IotConfigurationException(AstarteProperties.PREFIX + ".interfaces", ex.getMessage(),
                    PropertyChecks.yaml(AstarteProperties.PREFIX, "interfaces: classpath*:astarte/interfaces/*.json"));
        }
    }

    @Bean
    @ConditionalOnMissingBean
    AstartePairingClient astartePairingClient(ObjectProvider<WebClient.Builder> webClientBuilder,
            ObjectProvider<SslBundles> sslBundles, ObjectProvider<JsonMapper> jsonMapper,
            AstarteConnectionDetails connectionDetails) {
        AstarteProperties p = this.properties;
        URI pairingUrl = AstarteProperties.validatePairingUrl(connectionDetails.pairingUrl());
        HttpClientSettings settings = new HttpClientSettings(pairingUrl, p.getConnectTimeout(),
                p.getRequestTimeout(), Map.of(), pairingSslBundle(sslBundles.getIfAvailable()));
        WebClient.Builder builder = webClientBuilder.getIfAvailable(WebClient::builder);
        // Built on the device's thread when it first pairs (Reactor Netty, the TLS context): not on the startup path.
        return new AstartePairingClient(() -> IotWebClients.build(builder, settings), p.getRealm(),
                jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()), p.getRequestTimeout());
    }

    @Bean
    @ConditionalOnMissingBean(AstarteDevice.class)
    AstarteDeviceClient astarteDevice(AstarteInterfaces interfaces, AstartePairingClient pairingClient,
            ObjectProvider<IotStores> stores, ObjectProvider<SslBundles> sslBundles, IotShutdownProperties shutdown,
            ObjectProvider<AstarteCustomizer> customizers, ObjectProvider<AstarteServerListener> listeners,
            ApplicationEventPublisher eventPublisher, BeanFactory beanFactory) {
        AstarteProperties p = this.properties;
        IotStores iotStores = stores.getIfAvailable();
        if (iotStores == null) {
            throw new IotConfigurationException(AstarteProperties.PREFIX + ".enabled",
                    "Astarte keeps its key, certificate, secret and properties in SQLite: it needs spring-jdbc, "
                            + "HikariCP and sqlite-jdbc on the classpath",
                    PropertyChecks.yaml("iot.storage", "directory: ./iot-data"));
        }
        if (p.isIgnoreSslErrors()) {
            logger.warn("Astarte: iot.astarte.ignore-ssl-errors is true: any certificate and host name of the Pairing "
                    + "API and the broker is trusted. Never use this outside tests.");
        }
        AstarteDeviceSettings.Builder settings = AstarteDeviceSettings
            .builder(p.getRealm(), p.effectiveDeviceId(), interfaces)
            .credentialsSecret(p.getCredentialsSecret())
            .agentToken(agentToken())
            .keepAlive(p.getKeepAlive())
            .connectTimeout(p.getConnectTimeout())
            .backoff(p.getReconnect().toBackoff())
            .trustManagers(trustManagers(sslBundles.getIfAvailable()))
            .hostnameVerification(!p.isIgnoreSslErrors())
            .maxInflight(p.getQueue().getInFlight());
        customizers.orderedStream().forEach(c -> c.customize(settings));
        // The SQLite file, its pool and migrations open beside the startup; what needs them waits (issue 11).
        DeferredStore store = DeferredStore.open(iotStores, PLATFORM);
        AstarteProperties.Queue queue = p.getQueue();
        OutboundQueue outbox = store.outboundQueue("outbox", queue.getMaxSize(), queue.getOverflow());
        AstarteDeviceClient device;
        try {
            device = new AstarteDeviceClient(settings.build(), pairingClient, store, outbox,
                    new InMemoryQueue(QueueOrder.FIFO, queue.getMaxSize(), queue.getOverflow()),
                    b -> queue.applyTo(b, shutdown.getDrainTimeout()), new IotEventPublisher(PLATFORM, eventPublisher));
        }
        catch (IllegalStateException ex) {
            throw new IotConfigurationException(AstarteProperties.PREFIX + ".credentials-secret", ex.getMessage(),
                    AstarteProperties.EXAMPLE);
        }
        listeners.orderedStream().forEach(device::addListener);
        device.setObservations(IotObservations.forPlatform(beanFactory, p.isObservationEnabled(), PLATFORM));
        logger.info("Astarte: device {} in realm {} with interfaces {}", device.getDeviceId(), p.getRealm(),
                interfaces.introspection());
        return device;
    }

    @Bean
    static AstarteListenerRegistrar astarteListenerRegistrar() {
        return new AstarteListenerRegistrar();
    }

    /**
     * The agent JWT source: configured, or signed from the realm key (read and checked now, so a bad key fails the
     * start; the first token is signed when the device registers, on its own thread).
     */
    private @Nullable Supplier<String> agentToken() {
        AstarteProperties.Pairing pairing = this.properties.getPairing();
        if (pairing.getJwt() != null && !pairing.getJwt().isBlank()) {
            String jwt = pairing.getJwt().trim();
            return () -> jwt;
        }
        String key = pairing.getPrivateKey();
        if (key == null || key.isBlank()) {
            return null;
        }
        try {
            AstarteAgentToken.check(key);
        }
        catch (IllegalArgumentException ex) {
            throw new IotConfigurationException(AstarteProperties.PREFIX + ".pairing.private-key", ex.getMessage(),
                    PropertyChecks.yaml(AstarteProperties.PREFIX, "pairing:", "  private-key: ${ASTARTE_REALM_KEY_PEM}"));
        }
        return () -> AstarteAgentToken.sign(key, Duration.ofMinutes(5), Clock.systemUTC());
    }

    private @Nullable SslBundle sslBundle(@Nullable SslBundles bundles) {
        return this.properties.getSsl().resolve(bundles, AstarteProperties.PREFIX + ".ssl");
    }

    private @Nullable SslBundle pairingSslBundle(@Nullable SslBundles bundles) {
        if (this.properties.isIgnoreSslErrors()) {
            try {
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(null, null);
                return SslBundle.of(SslStoreBundle.NONE, null, SslOptions.NONE, "TLS",
                        SslManagerBundle.of(kmf, InsecureTrustManagerFactory.INSTANCE));
            }
            catch (GeneralSecurityException ex) {
                throw new IllegalStateException("Cannot build a trust-all TLS context", ex);
            }
        }
        return sslBundle(bundles);
    }

    private TrustManager @Nullable [] trustManagers(@Nullable SslBundles bundles) {
        if (this.properties.isIgnoreSslErrors()) {
            return InsecureTrustManagerFactory.INSTANCE.getTrustManagers();
        }
        SslBundle bundle = sslBundle(bundles);
        if (bundle == null) {
            return null;
        }
        TrustManagerFactory tmf = bundle.getManagers().getTrustManagerFactory();
        return tmf.getTrustManagers();
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("astarte")
    static final class HealthConfiguration {

        // Bean name gives the contributor name "astarte", matching management.health.astarte.enabled.
        @Bean
        @ConditionalOnMissingBean(name = "astarteHealthIndicator")
        HealthIndicator astarteHealthIndicator(AstarteDevice device) {
            // A user's own AstarteDevice bean (a stub in tests) has no pairing state to report.
            return (device instanceof AstarteDeviceClient client) ? new AstarteHealthIndicator(client)
                    : () -> org.springframework.boot.health.contributor.Health.unknown().build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
    static final class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "astarteDeliveryMetrics")
        MeterBinder astarteDeliveryMetrics(AstarteDevice device) {
            return registry -> {
                if (device instanceof AstarteDeviceClient client) {
                    // One set of meters per queue, told apart by the queue tag.
                    new DeliveryMetrics(client.durableDispatcher(), Tags.of("queue", "stored")).bindTo(registry);
                    new DeliveryMetrics(client.volatileDispatcher(), Tags.of("queue", "volatile")).bindTo(registry);
                    // The connection exists only after pairing: the gauge asks the device.
                    new PlatformMeters(registry, PLATFORM).gauge(IotMetrics.CONNECTION_STATE,
                            "1 while the MQTT connection is up, 0 otherwise", client, c -> c.isConnected() ? 1.0 : 0.0);
                }
            };
        }
    }
}
