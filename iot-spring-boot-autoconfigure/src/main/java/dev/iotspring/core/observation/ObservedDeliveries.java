package dev.iotspring.core.observation;

import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/** The Reactor side of {@link IotObservations#receive(Flux, String, Function, Function)}, kept apart for Reactor. */
final class ObservedDeliveries {

    private ObservedDeliveries() {
    }

    static <T> Flux<T> observe(IotObservations observations, Flux<T> deliveries, String destinationKind,
            Function<? super T, String> destination, Function<? super T, @Nullable String> messageId) {
        return deliveries.transform(Operators.<T, T>lift((scannable, actual) -> new CoreSubscriber<T>() {

            @Override
            public void onSubscribe(Subscription subscription) {
                actual.onSubscribe(subscription);
            }

            @Override
            public void onNext(T delivery) {
                observations.receive(destinationKind, destination.apply(delivery), messageId.apply(delivery),
                        () -> actual.onNext(delivery));
            }

            @Override
            public void onError(Throwable failure) {
                actual.onError(failure);
            }

            @Override
            public void onComplete() {
                actual.onComplete();
            }

            @Override
            public Context currentContext() {
                return actual.currentContext();
            }
        }));
    }
}
