package dev.iotspring.streamsea.autoconfigure;

import io.micrometer.core.instrument.binder.MeterBinder;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.autoconfigure.IotShutdownProperties;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.event.IotEventPublisher;
import dev.iotspring.core.observation.IotObservations;
import dev.iotspring.core.http.IotWebClientBuilders;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.streamsea.StreamSeaClientSettings;
import dev.iotspring.streamsea.StreamSeaConnection;
import dev.iotspring.streamsea.StreamSeaCustomizer;
import dev.iotspring.streamsea.StreamSeaListenerAnnotationBeanPostProcessor;
import dev.iotspring.streamsea.StreamSeaListenerEndpointRegistry;
import dev.iotspring.streamsea.StreamSeaOperations;
import dev.iotspring.streamsea.StreamSeaPublishBatching;
import dev.iotspring.streamsea.StreamSeaTemplate;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * stream-sea: a {@link StreamSeaTemplate} (backing off when the application defines a {@link StreamSeaOperations})
 * for publishing, schemas and subscriptions, the shared WebSocket
 * connection (a SmartLifecycle in the connection phase), the publish {@link Dispatcher} (a SmartLifecycle in the
 * delivery phase, draining on shutdown), {@code @StreamSeaListener} support, health and meters. Active with
 * {@code iot.stream-sea.enabled=true}.
 *
 * <p>The publish queue is not a bean, so it never takes the place of another platform's queue; a durable one
 * lives in the platform's SQLite file ({@link IotStores}) and is closed by the template.
 */
@AutoConfiguration(after = IotCoreAutoConfiguration.class,
        afterName = { "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
                "org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration",
                "org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration" })
@ConditionalOnClass({ WebClient.class, HttpClient.class, JsonMapper.class })
@ConditionalOnBooleanProperty("iot.stream-sea.enabled")
@EnableConfigurationProperties(StreamSeaProperties.class)
public final class StreamSeaAutoConfiguration {

    StreamSeaAutoConfiguration() {
    }

    /** Where the server is, from {@code iot.stream-sea.*}, unless the application (or a test) has its own. */
    @Bean
    @ConditionalOnMissingBean(StreamSeaConnectionDetails.class)
    PropertiesStreamSeaConnectionDetails streamSeaConnectionDetails(StreamSeaProperties properties) {
        return new PropertiesStreamSeaConnectionDetails(properties);
    }

    /**
     * Everything of the platform, left out as a whole when the application defines its own
     * {@link StreamSeaOperations} (a stub in its tests): no connection, no dispatcher, no health.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(StreamSeaOperations.class)
    static class StreamSeaTemplateConfiguration {

        @Bean
        @ConditionalOnMissingBean
        StreamSeaClientSettings streamSeaClientSettings(StreamSeaProperties properties,
                StreamSeaConnectionDetails connectionDetails, ObjectProvider<SslBundles> sslBundles,
                ObjectProvider<StreamSeaCustomizer> customizers) {
            StreamSeaClientSettings.Builder builder = StreamSeaSettingsFactory.builder(properties, connectionDetails,
                    sslBundles.getIfAvailable());
            customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
            return builder.build();
        }

        @Bean
        @ConditionalOnMissingBean
        StreamSeaConnection streamSeaConnection(StreamSeaClientSettings settings, ObjectProvider<JsonMapper> jsonMapper,
                ApplicationEventPublisher events) {
            StreamSeaConnection connection = new StreamSeaConnection(settings,
                    jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()));
            connection.setEventPublisher(new IotEventPublisher(StreamSeaTemplate.PLATFORM, events));
            return connection;
        }

        @Bean
        @ConditionalOnMissingBean
        StreamSeaTemplate streamSeaTemplate(StreamSeaClientSettings settings, StreamSeaConnection connection,
                StreamSeaProperties properties, IotShutdownProperties shutdown, ObjectProvider<JsonMapper> jsonMapper,
                ListableBeanFactory beanFactory, ObjectProvider<IotStores> stores, ApplicationEventPublisher events) {
            StreamSeaProperties.Queue queue = properties.getQueue();
            StreamSeaPublishBatching batching = StreamSeaSettingsFactory.batching(properties);
            OutboundQueue outbound = StreamSeaSettingsFactory.queue(queue, stores.getIfAvailable(),
                    shutdown.getDrainTimeout());
            try {
                StreamSeaTemplate template = new StreamSeaTemplate(settings, connection,
                        jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()),
                        IotWebClientBuilders.forPlatform(beanFactory), outbound, (delivery) -> queue.applyTo(delivery,
                                shutdown.getDrainTimeout())
                            .listener(new IotEventPublisher(StreamSeaTemplate.PLATFORM, events).asDeliveryListener()),
                        batching);
                template.setObservations(
                        IotObservations.forPlatform(beanFactory, properties.isObservationEnabled(), StreamSeaTemplate.PLATFORM));
                return template;
            }
            catch (RuntimeException ex) {
                outbound.close();
                throw ex;
            }
        }

        /** The template's publish dispatcher as a lifecycle bean: it starts and drains in the delivery phase. */
        @Bean
        @ConditionalOnMissingBean(name = "streamSeaDispatcher")
        Dispatcher streamSeaDispatcher(StreamSeaTemplate template) {
            return template.getDispatcher();
        }

        @Bean
        @ConditionalOnMissingBean
        static StreamSeaListenerAnnotationBeanPostProcessor streamSeaListenerAnnotationBeanPostProcessor() {
            return new StreamSeaListenerAnnotationBeanPostProcessor();
        }

        @Bean
        @ConditionalOnMissingBean
        StreamSeaListenerEndpointRegistry streamSeaListenerEndpointRegistry(StreamSeaTemplate template) {
            return new StreamSeaListenerEndpointRegistry(template);
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(HealthIndicator.class)
        @ConditionalOnEnabledHealthIndicator("streamsea")
        static class StreamSeaHealthConfiguration {

            /** Contributor name {@code streamsea}, the platform id (the bean name without "HealthIndicator"). */
            @Bean
            @ConditionalOnMissingBean(name = "streamseaHealthIndicator")
            StreamSeaHealthIndicator streamseaHealthIndicator(StreamSeaTemplate template) {
                return new StreamSeaHealthIndicator(template);
            }
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(MeterBinder.class)
        static class StreamSeaMetricsConfiguration {

            @Bean
            @ConditionalOnMissingBean
            StreamSeaMetrics streamSeaMetrics(StreamSeaTemplate template,
                    ObjectProvider<StreamSeaListenerEndpointRegistry> listeners) {
                return new StreamSeaMetrics(template, listeners.getIfAvailable());
            }
        }
    }
}
