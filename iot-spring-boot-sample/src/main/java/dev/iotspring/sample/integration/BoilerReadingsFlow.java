package dev.iotspring.sample.integration;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.integration.IotIntegration;
import dev.iotspring.sample.streamsea.StreamSeaSample.BoilerReading;
import dev.iotspring.stellanow.EntityRef;
import dev.iotspring.stellanow.SendResult;
import dev.iotspring.stellanow.StellaNowOperations;
import dev.iotspring.streamsea.StreamSeaOperations;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.dsl.IntegrationFlow;

/**
 * One Spring Integration flow across two platforms: every boiler reading published to stream-sea (by
 * {@code StreamSeaSample}) is received through an inbound adapter and sent on to StellaNow as a
 * {@code boiler_reading} event about the boiler; each PUBACK is logged and counted.
 */
@Configuration(proxyBeanMethods = false)
@EnableIntegration
@ConditionalOnBooleanProperty(name = { "iot.stream-sea.enabled", "iot.stellanow.enabled" })
public class BoilerReadingsFlow {

    private static final Logger logger = LoggerFactory.getLogger(BoilerReadingsFlow.class);

    private final AtomicLong forwarded = new AtomicLong();

    @Bean
    IntegrationFlow boilerReadingsToStellaNow(StreamSeaOperations streamSea, StellaNowOperations stellaNow) {
        return IntegrationFlow
            .from(IotIntegration.streamSeaInbound(streamSea, "boiler_readings").fanout().payloadType(BoilerReading.class))
            .handle(IotIntegration.stellaNow(stellaNow)
                .eventType("boiler_reading")
                .entities((m) -> List.of(EntityRef.of("boiler", ((BoilerReading) m.getPayload()).boilerId()))))
            .handle(SendResult.class, (result, headers) -> {
                this.forwarded.incrementAndGet();
                logger.info("Boiler reading forwarded to StellaNow as event {}", result.messageId());
                return null;
            })
            .get();
    }

    /** Readings StellaNow acknowledged so far. */
    public long forwarded() {
        return this.forwarded.get();
    }
}
