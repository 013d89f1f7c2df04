package dev.iotspring.sample.streamsea;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import dev.iotspring.core.delivery.DeliveryClosedException;
import dev.iotspring.core.queue.QueueFullException;
import dev.iotspring.streamsea.FieldType;
import dev.iotspring.streamsea.SchemaDefinition;
import dev.iotspring.streamsea.StreamSeaListener;
import dev.iotspring.streamsea.StreamSeaOperations;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Uses {@link StreamSeaOperations}: defines the schema of a stream when the application is ready, publishes
 * a boiler reading to it every ten seconds, and receives the readings with a {@link StreamSeaListener}.
 */
@Component
@ConditionalOnBooleanProperty("iot.stream-sea.enabled")
public class StreamSeaSample implements DisposableBean {

    static final String STREAM = "boiler_readings";

    static final SchemaDefinition SCHEMA = SchemaDefinition.builder(STREAM, 1)
        .field("boilerId", FieldType.STRING)
        .field("temperature", FieldType.FLOAT)
        .field("measuredAt", FieldType.DATE)
        .enumField("state", "heating", "idle")
        .build();

    private static final Logger logger = LoggerFactory.getLogger(StreamSeaSample.class);

    private final StreamSeaOperations streamSea;

    private final List<BoilerReading> received = new CopyOnWriteArrayList<>();

    private final AtomicInteger sequence = new AtomicInteger();

    private volatile Disposable publishing;

    public StreamSeaSample(StreamSeaOperations streamSea) {
        this.streamSea = streamSea;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void defineAndPublish() {
        // Without blocking the ready event: publishing starts once the schema is defined.
        this.streamSea.defineStreamAsync(SCHEMA).whenComplete((ok, ex) -> {
            if (ex != null) {
                logger.warn("Defining the stream-sea schema failed: {}", ex.getMessage());
                return;
            }
            this.publishing = Flux.interval(Duration.ZERO, Duration.ofSeconds(10))
                .subscribe((tick) -> publishOne());
        });
    }

    private void publishOne() {
        int n = this.sequence.incrementAndGet();
        BoilerReading reading = new BoilerReading("boiler-1", 60.0 + (n % 10),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                (n % 2 == 0) ? "idle" : "heating");
        try {
            this.streamSea.publish(STREAM, reading).whenComplete((ok, ex) -> {
                if (ex != null) {
                    logger.warn("stream-sea did not take reading {}: {}", n, ex.getMessage());
                }
            });
        }
        catch (QueueFullException | DeliveryClosedException ex) {
            // Thrown at once: the queue is full, or the application is shutting down.
            logger.warn("Reading {} was not queued: {}", n, ex.getMessage());
        }
    }

    @StreamSeaListener(stream = STREAM)
    void onReading(BoilerReading reading) {
        this.received.add(reading);
        logger.info("stream-sea delivered {}", reading);
    }

    public List<BoilerReading> getReceived() {
        return List.copyOf(this.received);
    }

    @Override
    public void destroy() {
        Disposable current = this.publishing;
        if (current != null) {
            current.dispose();
        }
    }

    /** One reading; {@code measuredAt} is a stream-sea date (UTC, whole seconds). */
    public record BoilerReading(String boilerId, double temperature, String measuredAt, String state) {
    }
}
