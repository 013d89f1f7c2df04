package dev.iotspring.astarte;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import dev.iotspring.core.observation.IotObservations;

/**
 * Hands what Astarte writes to the device's server-owned interfaces to the application: every
 * {@link AstarteServerListener} (one failing does not stop the others) and then the {@link #receive()} flux,
 * observed when observations are on.
 */
final class AstarteInbound {

    private static final Logger logger = LoggerFactory.getLogger(AstarteInbound.class);

    private final List<AstarteServerListener> listeners = new CopyOnWriteArrayList<>();

    private final Sinks.Many<AstarteServerEvent> sink = Sinks.many().multicast().directBestEffort();

    private volatile IotObservations observations = IotObservations.disabled();

    void observe(IotObservations observations) {
        this.observations = observations;
    }

    void addListener(AstarteServerListener listener) {
        this.listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    Flux<AstarteServerEvent> receive() {
        return this.sink.asFlux();
    }

    void deliver(AstarteServerEvent event) {
        this.observations.receive("interface", event.interfaceName() + event.path(), null,
                () -> deliverUnobserved(event));
    }

    private void deliverUnobserved(AstarteServerEvent event) {
        for (AstarteServerListener listener : this.listeners) {
            try {
                listener.onData(event);
            }
            catch (RuntimeException ex) {
                logger.warn("Astarte listener {} failed on {}", listener, event, ex);
            }
        }
        this.sink.tryEmitNext(event);
    }
}
