package dev.iotspring.stellanow.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.core.autoconfigure.ConditionalOnLibrary;
import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.autoconfigure.IotShutdownProperties;
import dev.iotspring.core.autoconfigure.IotStorageProperties;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.delivery.RetryBackoff;
import dev.iotspring.core.event.IotEventPublisher;
import dev.iotspring.core.http.HttpClientSettings;
import dev.iotspring.core.http.IotWebClients;
import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttConnectionMetrics;
import dev.iotspring.core.mqtt.MqttConnectionSettings;
import dev.iotspring.core.mqtt.MqttCredentials;
import dev.iotspring.core.mqtt.MqttCredentialsException;
import dev.iotspring.core.mqtt.MqttCredentialsProvider;
import dev.iotspring.core.mqtt.MqttEndpoint;
import dev.iotspring.core.mqtt.MqttMessageSender;
import dev.iotspring.core.mqtt.MqttTls;
import dev.iotspring.core.observation.IotObservations;
import dev.iotspring.core.observe.DeliveryMetrics;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.stellanow.OidcTokenSource;
import dev.iotspring.stellanow.StellaNowAuthenticationException;
import dev.iotspring.stellanow.StellaNowClientIds;
import dev.iotspring.stellanow.StellaNowEnvelopeCodec;
import dev.iotspring.stellanow.StellaNowDeliveryCallback;
import dev.iotspring.stellanow.StellaNowOperations;
import dev.iotspring.stellanow.StellaNowTemplate;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * StellaNow event ingestion, active with {@code iot.stellanow.enabled=true}: a {@link StellaNowTemplate} (backing
 * off for an application's {@link StellaNowOperations}) on an MQTT 3.1.1 connection (Paho v3) to
 * {@code in/{organizationId}}, a queue (in memory FIFO/LIFO or durable SQLite), a dispatcher that removes events only
 * on PUBACK and drains on shutdown, OIDC tokens from the platform's Keycloak (or basic / no authentication), the
 * core's connection and delivery events for platform {@code stellanow}, {@link StellaNowCustomizer}s, a health
 * indicator and meters.
 */
@AutoConfiguration(after = IotCoreAutoConfiguration.class)
@ConditionalOnBooleanProperty("iot.stellanow.enabled")
@ConditionalOnClass(JsonMapper.class)
@ConditionalOnLibrary("org.eclipse.paho.client.mqttv3.MqttAsyncClient")
@EnableConfigurationProperties({ StellaNowProperties.class, IotShutdownProperties.class, IotStorageProperties.class })
public final class StellaNowAutoConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(StellaNowAutoConfiguration.class);

    static final String PLATFORM = "stellanow";

    private final StellaNowProperties properties;

    StellaNowAutoConfiguration(StellaNowProperties properties) {
        // Fail the start before anything connects, naming the property.
        properties.validate();
        this.properties = properties;
    }

    /** Where the broker and identity provider are, from {@code iot.stellanow.*}, unless the application has its own. */
    @Bean
    @ConditionalOnMissingBean(StellaNowConnectionDetails.class)
    PropertiesStellaNowConnectionDetails stellaNowConnectionDetails() {
        return new PropertiesStellaNowConnectionDetails(this.properties);
    }

    @Bean
    @ConditionalOnMissingBean
    StellaNowEnvelopeCodec stellaNowEnvelopeCodec(ObjectProvider<JsonMapper> jsonMapper) {
        JsonMapper mapper = jsonMapper.getIfAvailable(() -> JsonMapper.builder().build());
        return new StellaNowEnvelopeCodec(mapper, this.properties.organizationUuid(), this.properties.projectUuid());
    }

    @Bean(name = "stellaNowMqttConnection", defaultCandidate = false)
    @ConditionalOnMissingBean(name = "stellaNowMqttConnection")
    MqttConnection stellaNowMqttConnection(ObjectProvider<SslBundles> sslBundles,
            ObjectProvider<OidcTokenSource> tokenSource, ObjectProvider<StellaNowCustomizer> customizers,
            @Qualifier("stellaNowEventPublisher") IotEventPublisher events,
            StellaNowConnectionDetails connectionDetails) {
        StellaNowProperties p = this.properties;
        URI brokerUrl = connectionDetails.brokerUrl();
        StellaNowProperties.validateBrokerUrl(brokerUrl);
        MqttEndpoint endpoint = MqttEndpoint.parse(brokerUrl.toString());
        String clientId = (p.getClientId() != null) ? p.getClientId().trim() : StellaNowClientIds.generate();
        if (clientId.length() > StellaNowProperties.PORTABLE_CLIENT_ID_LENGTH) {
            logger.warn("StellaNow client id '{}' has {} characters; MQTT 3.1.1 brokers only have to accept 23",
                    clientId, clientId.length());
        }
        MqttConnectionSettings.Builder settings = MqttConnectionSettings.builder(endpoint, clientId)
            .name(PLATFORM)
            .keepAlive(p.getKeepAlive())
            .connectTimeout(p.getConnectTimeout())
            .maxInflight(p.getQueue().getInFlight())
            .backoff(p.getReconnect().toBackoff())
            .credentials(credentials(tokenSource.getIfAvailable()));
        if (endpoint.isTls()) {
            SslBundle bundle = sslBundle(p, sslBundles);
            settings.tls((bundle != null) ? MqttTls.of(bundle) : MqttTls.jvmDefault());
        }
        customizers.orderedStream().forEach((customizer) -> customizer.customize(settings));
        MqttConnection connection = new MqttConnection(settings.build());
        connection.addConnectionListener(events.asMqttConnectionListener());
        OidcTokenSource source = tokenSource.getIfAvailable();
        if (source != null && p.getAuth().isReconnectOnRefresh()) {
            source.addCallback(new OidcTokenSource.TokenCallback() {
                @Override
                public void tokenRefreshed(String accessToken) {
                    // The broker checks the token at CONNECT only: carry the fresh one over now.
                    connection.reconnect();
                }
            });
        }
        logger.info("StellaNow client id is \"{}\" (broker {}, topic in/{}, auth {})", clientId, endpoint.url(),
                p.getOrganizationId(), p.getAuth().getStrategy().name().toLowerCase(java.util.Locale.ROOT));
        return connection;
    }

    private MqttCredentialsProvider credentials(@Nullable OidcTokenSource tokenSource) {
        StellaNowProperties.Auth auth = this.properties.getAuth();
        return switch (auth.getStrategy()) {
            case NONE -> MqttCredentialsProvider.none();
            case BASIC -> MqttCredentialsProvider.of(MqttCredentials.of(auth.getUsername(), auth.getPassword()));
            case OIDC -> {
                if (tokenSource == null) {
                    throw new IotConfigurationException(StellaNowProperties.PREFIX + ".auth.strategy",
                            "oidc needs spring-webflux and reactor-netty-http on the classpath for the token requests",
                            "iot:\n  stellanow:\n    auth:\n      strategy: basic\n");
                }
                yield () -> {
                    try {
                        String token = tokenSource.accessToken();
                        // Token as username (what the broker checks) and as password (as the C# SDK does).
                        return MqttCredentials.of(token, token);
                    }
                    catch (StellaNowAuthenticationException ex) {
                        throw new MqttCredentialsException(ex.getMessage(), ex.isPermanent(), ex);
                    }
                };
            }
        };
    }

    @Bean(name = "stellaNowOutboundQueue", defaultCandidate = false, destroyMethod = "close")
    @ConditionalOnMissingBean(name = "stellaNowOutboundQueue")
    OutboundQueue stellaNowOutboundQueue(ObjectProvider<IotStores> stores, IotStorageProperties storage) {
        return this.properties.getQueue()
            .createQueue(stores.getIfAvailable(), PLATFORM, "events", StellaNowProperties.PREFIX + ".queue");
    }

    @Bean(name = "stellaNowDispatcher", defaultCandidate = false)
    @ConditionalOnMissingBean(name = "stellaNowDispatcher")
    Dispatcher stellaNowDispatcher(@Qualifier("stellaNowOutboundQueue") OutboundQueue queue,
            @Qualifier("stellaNowMqttConnection") MqttConnection connection, IotShutdownProperties shutdown,
            @Qualifier("stellaNowEventPublisher") IotEventPublisher events) {
        // The connection paces its own reconnects: the dispatcher never pauses longer than a reconnect would.
        StellaNowProperties.Queue settings = this.properties.getQueue();
        Duration pauseCap = min(this.properties.getReconnect().getMaxDelay(), settings.getRetry().getMaxDelay());
        return settings
            .applyTo(Dispatcher.builder(PLATFORM, queue, new MqttMessageSender(connection)), shutdown.getDrainTimeout())
            .backoff(new RetryBackoff(min(settings.getRetry().getInitialDelay(), pauseCap), pauseCap, 2.0, 0.2))
            .listener(events.asDeliveryListener())
            .build();
    }

    /** Publishes the connection and delivery events of the platform {@code stellanow}. */
    @Bean(name = "stellaNowEventPublisher", defaultCandidate = false)
    @ConditionalOnMissingBean(name = "stellaNowEventPublisher")
    IotEventPublisher stellaNowEventPublisher(ApplicationEventPublisher applicationEventPublisher) {
        return new IotEventPublisher(PLATFORM, applicationEventPublisher);
    }

    @Bean
    @ConditionalOnMissingBean(StellaNowOperations.class)
    StellaNowTemplate stellaNowTemplate(StellaNowEnvelopeCodec codec,
            @Qualifier("stellaNowDispatcher") Dispatcher dispatcher,
            @Qualifier("stellaNowMqttConnection") MqttConnection connection,
            ObjectProvider<StellaNowDeliveryCallback> callbacks, BeanFactory beanFactory) {
        StellaNowTemplate template = new StellaNowTemplate(codec, dispatcher, connection,
                callbacks.orderedStream().toList());
        template.setObservations(IotObservations.forPlatform(beanFactory, this.properties.isObservationEnabled(), PLATFORM));
        return template;
    }

    private static Duration min(Duration a, Duration b) {
        return (a.compareTo(b) <= 0) ? a : b;
    }

    /** The bundle iot.stellanow.ssl.bundle names (for the broker and the identity provider), or null if unset. */
    static @Nullable SslBundle sslBundle(StellaNowProperties properties, ObjectProvider<SslBundles> sslBundles) {
        return properties.getSsl().resolve(sslBundles.getIfAvailable(), StellaNowProperties.PREFIX + ".ssl");
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(WebClient.class)
    @ConditionalOnProperty(name = "iot.stellanow.auth.strategy", havingValue = "oidc", matchIfMissing = true)
    static final class OidcConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        OidcTokenSource stellaNowOidcTokenSource(StellaNowProperties properties,
                ObjectProvider<WebClient.Builder> webClientBuilder, ObjectProvider<SslBundles> sslBundles,
                StellaNowConnectionDetails connectionDetails) {
            URI api = connectionDetails.apiBaseUrl();
            if (api == null) {
                // Only a details bean can get here: the properties' own gap fails in validate().
                throw new IotConfigurationException(StellaNowProperties.PREFIX + ".api-base-url",
                        "the StellaNowConnectionDetails bean has no API base URL for the OIDC tokens",
                        "iot:\n  stellanow:\n    auth:\n      strategy: basic\n");
            }
            SslBundle bundle = "https".equalsIgnoreCase(api.getScheme()) ? sslBundle(properties, sslBundles) : null;
            HttpClientSettings settings = new HttpClientSettings(api, properties.getConnectTimeout(),
                    properties.getRequestTimeout(), Map.of(), bundle);
            WebClient webClient = IotWebClients.build(webClientBuilder.getIfAvailable(WebClient::builder), settings);
            StellaNowProperties.Auth auth = properties.getAuth();
            return new OidcTokenSource(webClient, OidcTokenSource.tokenEndpoint(api, properties.organizationUuid()),
                    auth.getOidcClientId(), auth.getUsername(), auth.getPassword(), auth.getRefreshBeforeExpiry(),
                    properties.getRequestTimeout());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("stellanow")
    static final class HealthConfiguration {

        // Bean name gives the contributor name "stellanow", matching management.health.stellanow.enabled.
        @Bean
        @ConditionalOnMissingBean(name = "stellanowHealthIndicator")
        StellaNowHealthIndicator stellanowHealthIndicator(
                @Qualifier("stellaNowMqttConnection") MqttConnection connection,
                @Qualifier("stellaNowDispatcher") Dispatcher dispatcher, StellaNowEnvelopeCodec codec,
                ObjectProvider<OidcTokenSource> tokenSource, StellaNowProperties properties,
                StellaNowConnectionDetails connectionDetails) {
            return new StellaNowHealthIndicator(connection, dispatcher, codec.topic(), tokenSource.getIfAvailable(),
                    connectionDetails.brokerUrl().toString());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
    static final class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "stellaNowDeliveryMetrics")
        DeliveryMetrics stellaNowDeliveryMetrics(@Qualifier("stellaNowDispatcher") Dispatcher dispatcher) {
            return new DeliveryMetrics(dispatcher);
        }

        @Bean
        @ConditionalOnMissingBean(name = "stellaNowConnectionMetrics")
        MqttConnectionMetrics stellaNowConnectionMetrics(
                @Qualifier("stellaNowMqttConnection") MqttConnection connection) {
            return new MqttConnectionMetrics(connection, PLATFORM);
        }
    }
}
