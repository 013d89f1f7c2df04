package dev.iotspring.core.observation;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

import dev.iotspring.core.delivery.MessageDroppedException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * The one place where a platform observes its messages: {@link #send} wraps a call that returns the platform's
 * acknowledgement future, {@link #receive} wraps the hand-over of one inbound message to the application. A
 * platform holds {@link #disabled()} unless {@code iot.<platform>.observation-enabled=true} and the application has
 * an {@code ObservationRegistry}: then no Observation, context or convention is made, the call runs as is.
 */
public final class IotObservations {

    private static final IotObservations DISABLED = new IotObservations(null, "", null, null);

    private static final boolean OBSERVATION_PRESENT = ClassUtils.isPresent("io.micrometer.observation.Observation",
            IotObservations.class.getClassLoader());

    private final @Nullable ObservationRegistry registry;

    private final String platform;

    private final @Nullable IotSendObservationConvention sendConvention;

    private final @Nullable IotReceiveObservationConvention receiveConvention;

    private IotObservations(@Nullable ObservationRegistry registry, String platform,
            @Nullable IotSendObservationConvention sendConvention,
            @Nullable IotReceiveObservationConvention receiveConvention) {
        this.registry = registry;
        this.platform = platform;
        this.sendConvention = sendConvention;
        this.receiveConvention = receiveConvention;
    }

    /** Observes nothing. */
    public static IotObservations disabled() {
        return DISABLED;
    }

    /**
     * @param registry where observations go
     * @param platform platform id for the {@code iot.platform} key value
     * @param sendConvention replaces {@link DefaultIotSendObservationConvention} when not null
     * @param receiveConvention replaces {@link DefaultIotReceiveObservationConvention} when not null
     */
    public static IotObservations of(ObservationRegistry registry, String platform,
            @Nullable IotSendObservationConvention sendConvention,
            @Nullable IotReceiveObservationConvention receiveConvention) {
        return new IotObservations(registry, platform, sendConvention, receiveConvention);
    }

    /**
     * What a platform's auto-configuration hands its bean: enabled when {@code <prefix>.observation-enabled} is
     * true (default false, as spring-kafka's {@code spring.kafka.template.observation-enabled}) and the context has
     * an {@code ObservationRegistry}; conventions from {@link IotSendObservationConvention} and
     * {@link IotReceiveObservationConvention} beans when there are.
     * @param beanFactory the application's bean factory
     * @param prefix the platform's property prefix, e.g. {@code iot.stream-sea}
     * @param platform the platform id, e.g. {@code streamsea}
     */
    public static IotObservations forPlatform(BeanFactory beanFactory, String prefix, String platform) {
        Environment environment = beanFactory.getBean(Environment.class);
        if (!OBSERVATION_PRESENT
                || !environment.getProperty(prefix + ".observation-enabled", Boolean.class, Boolean.FALSE)) {
            return DISABLED;
        }
        ObservationRegistry registry = beanFactory.getBeanProvider(ObservationRegistry.class).getIfUnique();
        if (registry == null || registry.isNoop()) {
            return DISABLED;
        }
        return of(registry, platform, beanFactory.getBeanProvider(IotSendObservationConvention.class).getIfUnique(),
                beanFactory.getBeanProvider(IotReceiveObservationConvention.class).getIfUnique());
    }

    public boolean isEnabled() {
        return this.registry != null;
    }

    /**
     * Runs {@code send} inside a send observation that stops when the returned future completes. A call that
     * throws (a caller error: validation, full queue, closed) is observed as a failure and rethrown.
     * @param destinationKind the {@code iot.destination.kind} key value
     * @param destination the {@code iot.destination} key value
     * @param messageId the {@code iot.message.id} key value, or null
     * @param send the platform's send
     * @return the future of {@code send}, completed after the observation stopped
     */
    public <T> CompletableFuture<T> send(String destinationKind, String destination, @Nullable String messageId,
            Supplier<CompletableFuture<T>> send) {
        // Small enough to inline: disabled, the supplier is called at once and need not be allocated.
        ObservationRegistry registry = this.registry;
        return (registry != null) ? observeSend(registry, destinationKind, destination, messageId, send) : send.get();
    }

    private <T> CompletableFuture<T> observeSend(ObservationRegistry registry, String destinationKind,
            String destination, @Nullable String messageId, Supplier<CompletableFuture<T>> send) {
        IotSendContext context = new IotSendContext(this.platform, destinationKind, destination, messageId);
        Observation observation = IotObservationDocumentation.SEND
            .observation(this.sendConvention, DefaultIotSendObservationConvention.INSTANCE, () -> context, registry)
            .start();
        CompletableFuture<T> acknowledged;
        try (Observation.Scope scope = observation.openScope()) {
            acknowledged = send.get();
        }
        catch (RuntimeException | Error ex) {
            stop(observation, context, ex);
            throw ex;
        }
        return acknowledged.whenComplete((result, failure) -> stop(observation, context, failure));
    }

    /**
     * Runs {@code delivery} (the hand-over of one inbound message to the application) inside a receive
     * observation; an exception it throws is observed as a failure and rethrown.
     */
    public void receive(String destinationKind, String destination, @Nullable String messageId, Runnable delivery) {
        ObservationRegistry registry = this.registry;
        if (registry == null) {
            delivery.run();
        }
        else {
            observeReceive(registry, destinationKind, destination, messageId, delivery);
        }
    }

    private void observeReceive(ObservationRegistry registry, String destinationKind, String destination,
            @Nullable String messageId, Runnable delivery) {
        IotReceiveContext context = new IotReceiveContext(this.platform, destinationKind, destination, messageId);
        Observation observation = IotObservationDocumentation.RECEIVE
            .observation(this.receiveConvention, DefaultIotReceiveObservationConvention.INSTANCE, () -> context,
                    registry)
            .start();
        try (Observation.Scope scope = observation.openScope()) {
            delivery.run();
        }
        catch (RuntimeException | Error ex) {
            stop(observation, context, ex);
            throw ex;
        }
        stop(observation, context, null);
    }

    /**
     * Observes each element of {@code deliveries} while the subscriber's {@code onNext} runs (so a subscriber that
     * handles it synchronously runs inside the observation's scope).
     * @param destination the {@code iot.destination} of an element
     * @param messageId the {@code iot.message.id} of an element, or null
     */
    public <T> Flux<T> receive(Flux<T> deliveries, String destinationKind, Function<? super T, String> destination,
            Function<? super T, @Nullable String> messageId) {
        if (this.registry == null) {
            return deliveries;
        }
        return ObservedDeliveries.observe(this, deliveries, destinationKind, destination, messageId);
    }

    private static void stop(Observation observation, IotMessageContext context, @Nullable Throwable failure) {
        Throwable cause = (failure instanceof CompletionException && failure.getCause() != null) ? failure.getCause()
                : failure;
        if (cause != null) {
            context.setOutcome((cause instanceof MessageDroppedException) ? IotOutcome.DROPPED : IotOutcome.FAILURE);
            observation.error(cause);
        }
        observation.stop();
    }
}
