package dev.iotspring.spotflow.autoconfigure;

import java.time.Duration;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.web.reactive.function.client.WebClient;

import dev.iotspring.core.autoconfigure.ConditionalOnLibrary;
import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.autoconfigure.IotShutdownProperties;
import dev.iotspring.core.autoconfigure.IotStorageProperties;
import dev.iotspring.core.autoconfigure.OutboundQueueProperties;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.config.PropertyChecks;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.event.IotEventPublisher;
import dev.iotspring.core.observation.IotObservations;
import dev.iotspring.core.http.HttpClientSettings;
import dev.iotspring.core.http.IotWebClients;
import dev.iotspring.core.mqtt.MqttConnectionSettings;
import dev.iotspring.core.mqtt.MqttEndpoint;
import dev.iotspring.core.mqtt.MqttTls;
import dev.iotspring.core.observe.DeliveryMetrics;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.store.DeferredStore;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.spotflow.Compression;
import dev.iotspring.spotflow.DefaultSpotflowDevice;
import dev.iotspring.spotflow.DefaultSpotflowSender;
import dev.iotspring.spotflow.SpotflowCustomizer;
import dev.iotspring.spotflow.SpotflowDevice;
import dev.iotspring.spotflow.SpotflowHub;
import dev.iotspring.spotflow.SpotflowInstance;
import dev.iotspring.spotflow.SpotflowProvisioner;
import dev.iotspring.spotflow.SpotflowProvisioningListener;
import dev.iotspring.spotflow.SpotflowSender;
import dev.iotspring.spotflow.SpotflowTwin;

/**
 * Spotflow device client, active with {@code iot.spotflow.enabled=true}: provisioning and registration over the
 * platform's HTTP API ({@link SpotflowProvisioner}), the IoT-Hub MQTT connection with the twin
 * ({@link SpotflowHub}, {@link SpotflowDevice}), and the {@link SpotflowSender} on a durable queue in the
 * {@code spotflow} SQLite store, plus health {@code spotflow}, meters and connection events.
 */
@AutoConfiguration(after = IotCoreAutoConfiguration.class)
@ConditionalOnBooleanProperty("iot.spotflow.enabled")
@ConditionalOnClass({ JsonMapper.class, WebClient.class })
@ConditionalOnLibrary("org.eclipse.paho.client.mqttv3.MqttAsyncClient")
@EnableConfigurationProperties({ SpotflowProperties.class, IotShutdownProperties.class, IotStorageProperties.class })
public final class SpotflowAutoConfiguration {

    static final String PLATFORM = "spotflow";

    private static final String BROTLI_LOADER = "com.aayushatharva.brotli4j.Brotli4jLoader";

    private final SpotflowProperties properties;

    SpotflowAutoConfiguration(SpotflowProperties properties, org.springframework.context.ApplicationContext context) {
        // Fail the start before anything connects, naming the property.
        properties.validate();
        if (properties.getCompression() != Compression.UNCOMPRESSED
                && !(ClassUtils.isPresent(BROTLI_LOADER, context.getClassLoader())
                        && Compression.isBrotliAvailable())) {
            throw new IotConfigurationException(SpotflowProperties.PREFIX + ".compression",
                    "Brotli compression needs com.aayushatharva.brotli4j:brotli4j and its native library for this "
                            + "platform on the classpath",
                    PropertyChecks.yaml(SpotflowProperties.PREFIX, "compression: uncompressed"));
        }
        this.properties = properties;
    }

    /** Where provisioning and the hub are, from {@code iot.spotflow.*}, unless the application (or a test) has its own. */
    @Bean
    @ConditionalOnMissingBean(SpotflowConnectionDetails.class)
    PropertiesSpotflowConnectionDetails spotflowConnectionDetails() {
        return new PropertiesSpotflowConnectionDetails(this.properties);
    }

    /**
     * The {@code spotflow} SQLite file: credentials, twins and both queues. It opens (pool, migrations) on a thread
     * of its own beside the application's startup; the beans below take their tables from it at once and only what
     * reads or writes them waits (issue 11).
     */
    @Bean(name = "spotflowStore", defaultCandidate = false)
    @ConditionalOnMissingBean(name = "spotflowStore")
    DeferredStore spotflowStore(ObjectProvider<IotStores> stores) {
        IotStores available = stores.getIfAvailable();
        if (available == null) {
            throw new IotConfigurationException(SpotflowProperties.PREFIX + ".enabled",
                    "Spotflow keeps every message in SQLite: it needs spring-jdbc, HikariCP and sqlite-jdbc on the "
                            + "classpath",
                    PropertyChecks.yaml("iot.storage", "directory: /var/lib/my-app/iot"));
        }
        return DeferredStore.open(available, PLATFORM);
    }

    @Bean(name = "spotflowEventPublisher", defaultCandidate = false)
    @ConditionalOnMissingBean(name = "spotflowEventPublisher")
    IotEventPublisher spotflowEventPublisher(ApplicationEventPublisher publisher) {
        return new IotEventPublisher(PLATFORM, publisher);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    SpotflowProvisioner spotflowProvisioner(@Qualifier("spotflowStore") DeferredStore store,
            ObjectProvider<WebClient.Builder> webClientBuilder, ObjectProvider<SslBundles> sslBundles,
            ObjectProvider<JsonMapper> jsonMapper, ObjectProvider<SpotflowProvisioningListener> listeners,
            SpotflowConnectionDetails connectionDetails) {
        SpotflowProperties p = this.properties;
        java.net.URI baseUrl = baseUrl(connectionDetails);
        SslBundle bundle = "https".equals(baseUrl.getScheme()) ? sslBundle(sslBundles) : null;
        HttpClientSettings http = new HttpClientSettings(baseUrl, p.getConnectTimeout(), p.getRequestTimeout(),
                java.util.Map.of(), bundle);
        // Built on the first request, on the provisioning thread (Reactor Netty's set-up is not startup work).
        Supplier<WebClient> webClient = SingletonSupplier
            .of(() -> IotWebClients.build(webClientBuilder.getIfAvailable(WebClient::builder), http));
        SpotflowProvisioningListener listener = (operation) -> {
            if (listeners.orderedStream().findAny().isEmpty()) {
                SpotflowProvisioner.loggingListener().provisioningStarted(operation);
            }
            listeners.orderedStream().forEach((l) -> l.provisioningStarted(operation));
        };
        return SpotflowProvisioner.create(webClient, p.getRequestTimeout(),
                jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()), store.keyValueStore(PLATFORM),
                p.getProvisioningToken(), p.getDeviceId(), listener,
                new SpotflowProvisioner.Timings(p.getProvisioningPollInterval(), p.getRegistrationRetryInterval(),
                        p.getTokenCheckInterval()));
    }

    /** The provisioning API's base URL; a bad instance of a details bean fails naming the key it stands for. */
    private static java.net.URI baseUrl(SpotflowConnectionDetails details) {
        try {
            return SpotflowInstance.baseUrl(details.instance());
        }
        catch (IllegalArgumentException ex) {
            throw new IotConfigurationException(SpotflowProperties.PREFIX + ".instance", ex.getMessage(),
                    PropertyChecks.yaml(SpotflowProperties.PREFIX, "instance: " + SpotflowInstance.DEFAULT));
        }
    }

    @Bean(name = "spotflowTwin", defaultCandidate = false, destroyMethod = "close")
    @ConditionalOnMissingBean(name = "spotflowTwin")
    SpotflowTwin spotflowTwin(@Qualifier("spotflowStore") DeferredStore store,
            ObjectProvider<JsonMapper> jsonMapper) {
        return new SpotflowTwin(store.keyValueStore(PLATFORM + ".twin"),
                jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()));
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    SpotflowHub spotflowHub(SpotflowProvisioner provisioner, @Qualifier("spotflowTwin") SpotflowTwin twin,
            ObjectProvider<SslBundles> sslBundles, ObjectProvider<SpotflowCustomizer> customizers,
            @Qualifier("spotflowEventPublisher") IotEventPublisher events,
            ObjectProvider<WebClient.Builder> webClientBuilder, ObjectProvider<JsonMapper> jsonMapper,
            SpotflowConnectionDetails details) {
        SpotflowProperties p = this.properties;
        SslBundle bundle = details.mqttTls() ? sslBundle(sslBundles) : null;
        SpotflowHub hub = new SpotflowHub(provisioner, (host, clientId) -> {
            MqttEndpoint endpoint = MqttEndpoint
                .parse((details.mqttTls() ? "mqtts://" : "mqtt://") + host + ":" + details.mqttPort());
            MqttConnectionSettings.Builder settings = MqttConnectionSettings.builder(endpoint, clientId)
                .name(PLATFORM)
                .keepAlive(p.getKeepAlive())
                .connectTimeout(p.getConnectTimeout())
                .backoff(p.getReconnect().toBackoff());
            if (details.mqttTls()) {
                settings.tls((bundle != null) ? MqttTls.of(bundle) : MqttTls.jvmDefault());
            }
            customizers.orderedStream().forEach((c) -> c.customize(settings));
            return settings;
        }, twin);
        hub.addConnectionListener(events.asMqttConnectionListener());
        // Absolute URLs per upload: the base URL is only a placeholder the builder needs.
        HttpClientSettings http = new HttpClientSettings(baseUrl(details),
                p.getConnectTimeout(), p.getRequestTimeout(), java.util.Map.of(), bundle);
        hub.fileUpload(SingletonSupplier
            .of(() -> IotWebClients.build(webClientBuilder.getIfAvailable(WebClient::builder), http)),
                details.mqttTls(), details.hubHttpPort(), p.getRequestTimeout(), p.getFileUploadTimeout(),
                jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()));
        return hub;
    }

    @Bean(name = "spotflowDispatcher", defaultCandidate = false)
    @ConditionalOnMissingBean(name = "spotflowDispatcher")
    Dispatcher spotflowDispatcher(@Qualifier("spotflowStore") DeferredStore store, SpotflowHub hub,
            IotShutdownProperties shutdown, @Qualifier("spotflowEventPublisher") IotEventPublisher events) {
        OutboundQueueProperties q = this.properties.getQueue();
        OutboundQueue queue = store.outboundQueue("messages", q.getMaxSize(), q.getOverflow());
        Dispatcher dispatcher = q.applyTo(Dispatcher.builder(PLATFORM, queue, hub.streamSender()),
                shutdown.getDrainTimeout())
            .backoff(cappedRetry())
            .listener(events.asDeliveryListener())
            .build();
        hub.addReadyListener(dispatcher::wakeUp);
        return dispatcher;
    }

    @Bean(name = "spotflowReportedDispatcher", defaultCandidate = false)
    @ConditionalOnMissingBean(name = "spotflowReportedDispatcher")
    Dispatcher spotflowReportedDispatcher(@Qualifier("spotflowStore") DeferredStore store, SpotflowHub hub,
            @Qualifier("spotflowTwin") SpotflowTwin twin, IotShutdownProperties shutdown) {
        OutboundQueue queue = store.outboundQueue("reported", 0, OverflowStrategy.RAISE_EXCEPTION);
        Dispatcher dispatcher = Dispatcher.builder(PLATFORM, queue, twin.reportedSender())
            .window(1)
            .backoff(cappedRetry())
            .drainTimeout(OutboundQueueProperties.requireDrainTimeout(shutdown.getDrainTimeout()))
            .build();
        twin.reportedDispatcher(dispatcher);
        hub.addReadyListener(dispatcher::wakeUp);
        return dispatcher;
    }

    @Bean
    @ConditionalOnMissingBean
    SpotflowSender spotflowSender(@Qualifier("spotflowDispatcher") Dispatcher dispatcher, SpotflowHub hub,
            BeanFactory beanFactory) {
        SpotflowProperties p = this.properties;
        DefaultSpotflowSender sender = new DefaultSpotflowSender(dispatcher, hub, p.getDefaultStreamGroup(),
                p.getDefaultStream(), p.getCompression(), p.getSendTimeout());
        sender.setObservations(IotObservations.forPlatform(beanFactory, p.isObservationEnabled(), PLATFORM));
        return sender;
    }

    @Bean
    @ConditionalOnMissingBean
    SpotflowDevice spotflowDevice(@Qualifier("spotflowTwin") SpotflowTwin twin,
            @Qualifier("spotflowReportedDispatcher") Dispatcher reported) {
        // The reported dispatcher is a parameter so the device is usable only once it is attached to the twin.
        return new DefaultSpotflowDevice(twin);
    }

    /** The dispatcher's pause after a failed publish, never longer than the connection's own reconnect pace. */
    private dev.iotspring.core.delivery.RetryBackoff cappedRetry() {
        OutboundQueueProperties.Retry retry = this.properties.getQueue().getRetry();
        Duration cap = min(retry.getMaxDelay(), this.properties.getReconnect().getMaxDelay());
        return new dev.iotspring.core.delivery.RetryBackoff(min(retry.getInitialDelay(), cap), cap, 2.0, 0.2);
    }

    private static Duration min(Duration a, Duration b) {
        return (a.compareTo(b) <= 0) ? a : b;
    }

    private @Nullable SslBundle sslBundle(ObjectProvider<SslBundles> sslBundles) {
        return this.properties.getSsl().resolve(sslBundles.getIfAvailable(), SpotflowProperties.PREFIX + ".ssl");
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("spotflow")
    static final class HealthConfiguration {

        // Bean name gives the contributor name "spotflow", matching management.health.spotflow.enabled.
        @Bean
        @ConditionalOnMissingBean(name = "spotflowHealthIndicator")
        SpotflowHealthIndicator spotflowHealthIndicator(SpotflowHub hub,
                @Qualifier("spotflowDispatcher") Dispatcher dispatcher,
                @Qualifier("spotflowStore") DeferredStore store) {
            return new SpotflowHealthIndicator(hub, dispatcher, store);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
    static final class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "spotflowDeliveryMetrics")
        DeliveryMetrics spotflowDeliveryMetrics(@Qualifier("spotflowDispatcher") Dispatcher dispatcher) {
            return new DeliveryMetrics(dispatcher);
        }

        @Bean
        @ConditionalOnMissingBean(name = "spotflowConnectionMetrics")
        SpotflowConnectionMetrics spotflowConnectionMetrics(SpotflowHub hub) {
            return new SpotflowConnectionMetrics(hub);
        }
    }
}
