package dev.iotspring.sample.spotflow;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.core.delivery.DeliveryClosedException;
import dev.iotspring.spotflow.MessageOptions;
import dev.iotspring.spotflow.SpotflowDevice;
import dev.iotspring.spotflow.SpotflowSender;

import org.springframework.beans.factory.annotation.Value;
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
 *
 * <p>Two options, off by default, show the rest of the stream API:
 * <ul>
 * <li>{@code sample.spotflow.batch-size} N: measurements carry a batch id (the batch's start time) and a message id;
 * after N of them the batch gets a summary sent in two chunks, closed by a message completion, and the batch is
 * closed by a batch completion.</li>
 * <li>{@code sample.spotflow.snapshot-every} N: every N-th measurement is followed by a snapshot of about 450 KB,
 * alternately the recent readings (compresses well: inline with {@code iot.spotflow.compression}, else by file
 * upload) and a raw sensor dump (random data: by file upload even when compressed).</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
@ConditionalOnBooleanProperty("iot.spotflow.enabled")
public class SpotflowSampleSender {

    private static final Logger logger = LoggerFactory.getLogger(SpotflowSampleSender.class);

    /** Readings in a "recent readings" snapshot: about 450 KB of JSON. */
    private static final int SNAPSHOT_READINGS = 7_000;

    /** Random bytes of a "raw dump" snapshot: 450 KB once in base64, still above 250,000 bytes after Brotli. */
    private static final int RAW_DUMP_BYTES = 340_000;

    private final SpotflowSender sender;

    private final SpotflowDevice device;

    private final int batchSize;

    private final int snapshotEvery;

    // Only the scheduling thread (one task, fixed delay) touches the counters below.
    private long measurements;

    private long snapshots;

    private String batchId;

    private int inBatch;

    private double batchMin;

    private double batchMax;

    private double batchSum;

    public SpotflowSampleSender(SpotflowSender sender, SpotflowDevice device,
            @Value("${sample.spotflow.batch-size:0}") int batchSize,
            @Value("${sample.spotflow.snapshot-every:0}") int snapshotEvery) {
        this.sender = sender;
        this.device = device;
        this.batchSize = batchSize;
        this.snapshotEvery = snapshotEvery;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void reportAndWatch() {
        this.device.addDesiredPropertiesListener((desired) -> logger.info("Spotflow desired properties v{}: {}",
                desired.version(), desired.values()));
        this.device.updateReportedProperties(Map.of("sample", "iot-spring-boot", "startedAt", Instant.now().toString()));
    }

    @Scheduled(fixedDelayString = "${sample.spotflow.interval:10s}", initialDelay = 0)
    public void sendMeasurement() {
        try {
            measure();
        }
        catch (DeliveryClosedException ex) {
            // Thrown while the application stops: the scheduler may still fire as the queue drains.
            logger.info("Spotflow measurement not queued: {}", ex.getMessage());
        }
    }

    private void measure() {
        double celsius = 20 + ThreadLocalRandom.current().nextDouble(5);
        String measurement = "{\"temperatureCelsius\":%.2f,\"at\":\"%s\"}".formatted(celsius, Instant.now());
        this.measurements++;
        if (this.batchSize <= 0) {
            this.sender.enqueueMessage(measurement);
        }
        else {
            if (this.batchId == null) {
                // the batch's start time: its colons go percent-encoded in the topic
                this.batchId = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
                this.inBatch = 0;
                this.batchMin = Double.MAX_VALUE;
                this.batchMax = -Double.MAX_VALUE;
                this.batchSum = 0;
            }
            this.inBatch++;
            this.batchMin = Math.min(this.batchMin, celsius);
            this.batchMax = Math.max(this.batchMax, celsius);
            this.batchSum += celsius;
            this.sender.enqueueMessage(measurement.getBytes(StandardCharsets.UTF_8),
                    inBatch("m-" + this.inBatch).build());
        }
        logger.info("Spotflow measurement queued ({} pending)", this.sender.pendingMessagesCount());
        if (this.snapshotEvery > 0 && this.measurements % this.snapshotEvery == 0) {
            sendSnapshot();
        }
        if (this.batchSize > 0 && this.inBatch >= this.batchSize) {
            closeBatch();
        }
    }

    private void sendSnapshot() {
        long number = ++this.snapshots;
        StringBuilder json = new StringBuilder(480_000);
        json.append("{\"at\":\"").append(Instant.now()).append("\",\"snapshot\":").append(number);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (number % 2 == 1) {
            json.append(",\"kind\":\"recent-readings\",\"readings\":[");
            long start = System.currentTimeMillis() - SNAPSHOT_READINGS * 1000L;
            for (int i = 0; i < SNAPSHOT_READINGS; i++) {
                json.append(i == 0 ? "" : ",").append("{\"sensor\":\"boiler-temperature\",\"temperatureCelsius\":")
                    .append("%.2f".formatted(20 + random.nextDouble(5))).append(",\"at\":")
                    .append(start + i * 1000L).append('}');
            }
            json.append("]}");
        }
        else {
            byte[] raw = new byte[RAW_DUMP_BYTES];
            random.nextBytes(raw);
            json.append(",\"kind\":\"raw-dump\",\"data\":\"").append(Base64.getEncoder().encodeToString(raw))
                .append("\"}");
        }
        byte[] payload = json.toString().getBytes(StandardCharsets.UTF_8);
        MessageOptions options = (this.batchSize > 0) ? inBatch("snapshot-" + number).build()
                : MessageOptions.defaults();
        this.sender.enqueueMessage(payload, options);
        logger.info("Spotflow snapshot {} queued ({} bytes, {} pending)", number, payload.length,
                this.sender.pendingMessagesCount());
    }

    private void closeBatch() {
        // a summary sent in two chunks, then closed: how an application splits a message it cannot send whole
        String[] chunks = { "{\"at\":\"%s\",\"part\":1,\"count\":%d,\"minCelsius\":%.2f,\"maxCelsius\":%.2f}"
            .formatted(Instant.now(), this.inBatch, this.batchMin, this.batchMax),
                "{\"at\":\"%s\",\"part\":2,\"meanCelsius\":%.2f}".formatted(Instant.now(),
                        this.batchSum / this.inBatch) };
        for (int i = 0; i < chunks.length; i++) {
            this.sender.enqueueMessage(chunks[i].getBytes(StandardCharsets.UTF_8),
                    inBatch("summary").chunkId(Integer.toString(i + 1)).build());
            logger.info("Spotflow summary chunk queued");
        }
        this.sender.enqueueMessageCompletion(this.batchId, "summary");
        logger.info("Spotflow message completion queued");
        this.sender.enqueueBatchCompletion(this.batchId);
        logger.info("Spotflow batch completion queued (batch {}, {} measurements)", this.batchId, this.inBatch);
        this.batchId = null;
    }

    private MessageOptions.Builder inBatch(String messageId) {
        return MessageOptions.builder().batchId(this.batchId).messageId(messageId);
    }
}
