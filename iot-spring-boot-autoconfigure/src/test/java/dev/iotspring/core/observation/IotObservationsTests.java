package dev.iotspring.core.observation;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.delivery.MessageDroppedException;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** The core helper on its own: outcomes of a send's future and of a delivery, and the disabled path. */
class IotObservationsTests {

    private final TestObservationRegistry registry = TestObservationRegistry.create();

    private final IotObservations observations = IotObservations.of(this.registry, "streamsea", null, null);

    @Test
    void aSendStaysOpenUntilItsFutureCompletesAndTakesTheOutcomeFromIt() {
        CompletableFuture<Void> ack = new CompletableFuture<>();
        CompletableFuture<Void> observed = this.observations.send("stream", "orders", null, () -> ack);
        assertThat(this.registry).hasObservationWithNameEqualTo("iot.message.send").that().isNotStopped();

        ack.completeExceptionally(new MessageDroppedException("m-9", "dropped by drop-oldest"));

        assertThat(observed).isCompletedExceptionally();
        assertThat(this.registry).hasObservationWithNameEqualTo("iot.message.send").that().hasBeenStopped()
            .hasLowCardinalityKeyValue("iot.outcome", "dropped")
            .hasHighCardinalityKeyValue("iot.destination", "orders")
            .doesNotHaveHighCardinalityKeyValueWithKey("iot.message.id");
    }

    @Test
    void aDeliveryThatThrowsIsAFailureAndTheExceptionReachesTheCaller() {
        assertThatIllegalStateException().isThrownBy(() -> this.observations.receive("stream", "orders", "m-1", () -> {
            throw new IllegalStateException("handler failed");
        }));
        assertThat(this.registry).hasObservationWithNameEqualTo("iot.message.receive").that().hasBeenStopped()
            .hasLowCardinalityKeyValue("iot.outcome", "failure")
            .hasHighCardinalityKeyValue("iot.message.id", "m-1")
            .assertThatError()
            .hasMessage("handler failed");
    }

    @Test
    void disabledRunsTheCallAndObservesNothing() {
        AtomicBoolean ran = new AtomicBoolean();
        CompletableFuture<Void> ack = CompletableFuture.completedFuture(null);
        assertThat(IotObservations.disabled().send("stream", "orders", null, () -> ack)).isSameAs(ack);
        IotObservations.disabled().receive("stream", "orders", null, () -> ran.set(true));
        assertThat(ran).isTrue();
        assertThat(IotObservations.disabled().isEnabled()).isFalse();
        assertThat(this.registry).doesNotHaveAnyObservation();
    }
}
