package dev.iotspring.sample.stellanow;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.core.delivery.DeliveryClosedException;
import dev.iotspring.stellanow.StellaNowMessage;
import dev.iotspring.stellanow.StellaNowOperations;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Sends StellaNow events: a login event when the application is ready and a store receipt on a schedule
 * ({@code sample.stellanow.interval}, default 30 s). Both complete when the broker acknowledged them.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
@ConditionalOnBooleanProperty("iot.stellanow.enabled")
public class StellaNowSampleSender {

    private static final Logger logger = LoggerFactory.getLogger(StellaNowSampleSender.class);

    private final StellaNowOperations stellaNow;

    private final AtomicLong receipts = new AtomicLong();

    public StellaNowSampleSender(StellaNowOperations stellaNow) {
        this.stellaNow = stellaNow;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void sendStartupEvent() {
        StellaNowMessage login = StellaNowMessage.builder("user_login")
            .entity("patron", "patron-42")
            .payload(Map.of("channel", "sample-app", "started_at", Instant.now()))
            .build();
        this.stellaNow.send(login)
            .whenComplete((result, failure) -> log("user_login", login.messageId(), failure));
    }

    @Scheduled(fixedDelayString = "${sample.stellanow.interval:30s}", initialDelayString = "${sample.stellanow.interval:30s}")
    public void sendReceipt() {
        long n = this.receipts.incrementAndGet();
        StoreReceipt receipt = new StoreReceipt("patron-42", "shop-7", "tx-" + n,
                BigDecimal.valueOf(ThreadLocalRandom.current().nextInt(100, 10_000), 2), Instant.now());
        try {
            this.stellaNow.send(receipt).whenComplete((result, failure) -> log("store_receipt",
                    (result != null) ? result.messageId() : "tx-" + n, failure));
        }
        catch (DeliveryClosedException ex) {
            // Thrown while the application stops: the scheduler may still fire as the queue drains.
            logger.info("StellaNow store_receipt tx-{} not queued: {}", n, ex.getMessage());
        }
    }

    private static void log(String event, String id, Throwable failure) {
        if (failure == null) {
            logger.info("StellaNow acknowledged {} {}", event, id);
        }
        else {
            logger.warn("StellaNow did not take {} {}: {}", event, id, failure.getMessage());
        }
    }
}
