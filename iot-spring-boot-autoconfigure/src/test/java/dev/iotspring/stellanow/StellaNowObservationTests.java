package dev.iotspring.stellanow;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.micrometer.common.KeyValues;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.delivery.MessageDroppedException;
import dev.iotspring.core.observation.DefaultIotSendObservationConvention;
import dev.iotspring.core.observation.IotSendContext;
import dev.iotspring.core.observation.IotSendObservationConvention;
import dev.iotspring.core.queue.QueueFullException;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code iot.stellanow.observation-enabled}: each send is an Observation from the call to the PUBACK of the
 * StellaNow emulator's broker, with its outcome; a convention bean replaces the default one; off, nothing is made.
 */
class StellaNowObservationTests {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Nothing listens there: messages stay queued, so the queue's overflow rule decides. */
    static final String DEAD_BROKER = "mqtt://127.0.0.1:1";

    TestObservationRegistry observations = TestObservationRegistry.create();

    @BeforeAll
    static void emulator() {
        SharedEmulator.get();
    }

    @BeforeEach
    void reset() {
        SharedEmulator.reset();
    }

    @Test
    void aSendIsObservedFromTheCallToTheAcknowledgement() {
        SharedEmulator.runner("iot.stellanow.observation-enabled=true")
            .withBean(ObservationRegistry.class, () -> this.observations)
            .run((context) -> {
                StellaNowMessage message = SharedEmulator.numbered(1);
                CompletableFuture<SendResult> sent = context.getBean(StellaNowOperations.class).send(message);
                // Started at the call: the broker has not answered yet, or just has.
                assertThat(this.observations).hasObservationWithNameEqualTo("iot.message.send");

                sent.get(30, TimeUnit.SECONDS);

                assertThat(SharedEmulator.eventsFrom(SharedEmulator.clientId(context))).hasSize(1);
                assertThat(this.observations).hasNumberOfObservationsWithNameEqualTo("iot.message.send", 1)
                    .hasObservationWithNameEqualTo("iot.message.send")
                    .that()
                    .hasBeenStarted()
                    .hasBeenStopped()
                    .hasContextualNameEqualTo("stellanow send")
                    .hasLowCardinalityKeyValue("iot.platform", "stellanow")
                    .hasLowCardinalityKeyValue("iot.destination.kind", "event-type")
                    .hasLowCardinalityKeyValue("iot.outcome", "success")
                    .hasHighCardinalityKeyValue("iot.destination", "counter")
                    .hasHighCardinalityKeyValue("iot.message.id", message.messageId())
                    .doesNotHaveError();
            });
    }

    @Test
    void aSendRefusedByAFullQueueIsAFailureAndADroppedOneIsDropped() {
        SharedEmulator.runnerAt(DEAD_BROKER, "iot.stellanow.observation-enabled=true",
                "iot.shutdown.drain-timeout=100ms", "iot.stellanow.queue.max-size=1",
                "iot.stellanow.queue.overflow=raise-exception")
            .withBean(ObservationRegistry.class, () -> this.observations)
            .run((context) -> {
                StellaNowOperations template = context.getBean(StellaNowOperations.class);
                template.send(SharedEmulator.numbered(1));
                assertThatThrownBy(() -> template.send(SharedEmulator.numbered(2)))
                    .isInstanceOf(QueueFullException.class);
                // The queued one is still open; the refused one ended at the call.
                assertThat(this.observations).hasNumberOfObservationsWithNameEqualTo("iot.message.send", 2)
                    .hasAnObservation((observation) -> observation
                        .hasLowCardinalityKeyValue("iot.outcome", "failure")
                        .assertThatError()
                        .isInstanceOf(QueueFullException.class));
            });
        this.observations.clear();
        SharedEmulator.runnerAt(DEAD_BROKER, "iot.stellanow.observation-enabled=true",
                "iot.shutdown.drain-timeout=100ms", "iot.stellanow.queue.max-size=1",
                "iot.stellanow.queue.overflow=drop-oldest")
            .withBean(ObservationRegistry.class, () -> this.observations)
            .run((context) -> {
                StellaNowOperations template = context.getBean(StellaNowOperations.class);
                CompletableFuture<SendResult> first = template.send(SharedEmulator.numbered(1));
                template.send(SharedEmulator.numbered(2));
                assertThat(first).failsWithin(TIMEOUT).withThrowableThat().havingCause()
                    .isInstanceOf(MessageDroppedException.class);
                assertThat(this.observations).hasAnObservation((observation) -> observation
                    .hasLowCardinalityKeyValue("iot.outcome", "dropped")
                    .assertThatError()
                    .isInstanceOf(MessageDroppedException.class));
            });
    }

    @Test
    void aConventionBeanReplacesTheDefaultOne() {
        IotSendObservationConvention custom = new DefaultIotSendObservationConvention() {
            @Override
            public String getName() {
                return "shop.events";
            }

            @Override
            public KeyValues getLowCardinalityKeyValues(IotSendContext context) {
                return super.getLowCardinalityKeyValues(context).and("tenant", "acme");
            }
        };
        SharedEmulator.runner("iot.stellanow.observation-enabled=true")
            .withBean(ObservationRegistry.class, () -> this.observations)
            .withBean(IotSendObservationConvention.class, () -> custom)
            .run((context) -> {
                context.getBean(StellaNowOperations.class).send(SharedEmulator.numbered(1)).get(30, TimeUnit.SECONDS);
                assertThat(this.observations).hasNumberOfObservationsWithNameEqualTo("iot.message.send", 0)
                    .hasObservationWithNameEqualTo("shop.events")
                    .that()
                    .hasLowCardinalityKeyValue("tenant", "acme")
                    .hasLowCardinalityKeyValue("iot.outcome", "success");
            });
    }

    @Test
    void offByDefaultAndWithoutRegistryNothingIsObserved() {
        SharedEmulator.runner()
            .withBean(ObservationRegistry.class, () -> this.observations)
            .run((context) -> {
                context.getBean(StellaNowOperations.class).send(SharedEmulator.numbered(1)).get(30, TimeUnit.SECONDS);
                assertThat(this.observations).doesNotHaveAnyObservation();
            });
        // Enabled but no registry: sends work, unobserved.
        SharedEmulator.runner("iot.stellanow.observation-enabled=true").run((context) -> {
            assertThat(context.getBean(StellaNowOperations.class).send(SharedEmulator.numbered(2)))
                .succeedsWithin(TIMEOUT);
        });
        assertThat(this.observations).doesNotHaveAnyObservation();
    }
}
