package dev.iotspring.sample.spotflow;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.spotflow.SpotflowDevice;
import dev.iotspring.spotflow.SpotflowSender;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Sends a temperature measurement to Spotflow every {@code sample.spotflow.interval} (default 10 s), reports the
 * sample's version as a reported property and logs desired-property changes. Measurements are committed to SQLite
 * first, so they survive a restart while the platform is unreachable.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
@ConditionalOnBooleanProperty("iot.spotflow.enabled")
public class SpotflowSampleSender {

    private static final Logger logger = LoggerFactory.getLogger(SpotflowSampleSender.class);

    private final SpotflowSender sender;

    private final SpotflowDevice device;

    public SpotflowSampleSender(SpotflowSender sender, SpotflowDevice device) {
        this.sender = sender;
        this.device = device;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void reportAndWatch() {
        this.device.addDesiredPropertiesListener((desired) -> logger.info("Spotflow desired properties v{}: {}",
                desired.version(), desired.values()));
        this.device.updateReportedProperties(Map.of("sample", "iot-spring-boot", "startedAt", Instant.now().toString()));
    }

    @Scheduled(fixedDelayString = "${sample.spotflow.interval:10s}", initialDelay = 0)
    public void sendMeasurement() {
        double celsius = 20 + ThreadLocalRandom.current().nextDouble(5);
        this.sender.enqueueMessage("{\"temperatureCelsius\":%.2f,\"at\":\"%s\"}".formatted(celsius, Instant.now()));
        logger.info("Spotflow measurement queued ({} pending)", this.sender.pendingMessagesCount());
    }
}
