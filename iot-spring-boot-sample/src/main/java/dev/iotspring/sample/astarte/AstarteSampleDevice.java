package dev.iotspring.sample.astarte;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.astarte.AstarteDevice;
import dev.iotspring.astarte.AstarteListener;
import dev.iotspring.astarte.AstarteServerEvent;
import dev.iotspring.core.delivery.DeliveryClosedException;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * The sample's Astarte device: every {@code sample.astarte.interval} (default 30 s) a temperature reading
 * (guaranteed, stored while offline) and its uptime property; server commands are logged.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
@ConditionalOnBooleanProperty("iot.astarte.enabled")
public class AstarteSampleDevice {

    private static final Logger logger = LoggerFactory.getLogger(AstarteSampleDevice.class);

    private final AstarteDevice device;

    private final Instant started = Instant.now();

    public AstarteSampleDevice(AstarteDevice device) {
        this.device = device;
    }

    @Scheduled(fixedDelayString = "${sample.astarte.interval:30s}", initialDelayString = "${sample.astarte.interval:30s}")
    public void report() {
        try {
            sendReadings();
        }
        catch (DeliveryClosedException ex) {
            // Thrown while the application stops: the scheduler may still fire as the queue drains.
            logger.info("Astarte readings not queued: {}", ex.getMessage());
        }
    }

    private void sendReadings() {
        double celsius = 18 + ThreadLocalRandom.current().nextInt(0, 80) / 10.0;
        this.device.send("org.iotspring.sample.Environment", "/living-room/temperature", celsius)
            .whenComplete((ok, failure) -> log("temperature " + celsius, failure));
        long uptime = Duration.between(this.started, Instant.now()).toSeconds();
        this.device.setProperty("org.iotspring.sample.Status", "/uptime/seconds", uptime)
            .whenComplete((ok, failure) -> log("uptime " + uptime, failure));
    }

    @AstarteListener(interfaceName = "org.iotspring.sample.Commands")
    public void onCommand(AstarteServerEvent event) {
        logger.info("Astarte command on {}: {}", event.path(), event.value());
    }

    private static void log(String what, Throwable failure) {
        if (failure == null) {
            logger.info("Astarte acknowledged {}", what);
        }
        else {
            logger.warn("Astarte did not take {}: {}", what, failure.getMessage());
        }
    }
}
