package dev.iotspring.stellmap.cloud;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.cloud.client.serviceregistry.ServiceRegistry;

/**
 * Spring Cloud's {@link ServiceRegistry} over the application's one StellMap registration lifecycle (modelled on
 * {@code ConsulServiceRegistry}): {@code register} puts the instance in service (registration, then heartbeats),
 * {@code deregister} takes it out (deregistration, no heartbeats). StellMap has no instance status, so
 * {@code OUT_OF_SERVICE} means deregistered: every client (of any SDK) stops finding the instance, as with
 * Consul's maintenance mode. Statuses: {@code UP} (registered), {@code OUT_OF_SERVICE}, {@code DOWN} (not
 * registered: before the first registration or while StellMap is unreachable).
 */
public class StellMapServiceRegistry implements ServiceRegistry<StellMapRegistration> {

    public static final String UP = "UP";

    public static final String OUT_OF_SERVICE = "OUT_OF_SERVICE";

    public static final String DOWN = "DOWN";

    private final Duration timeout;

    /** @param timeout longest wait in {@link #deregister} and {@link #setStatus} for StellMap's answer */
    public StellMapServiceRegistry(Duration timeout) {
        this.timeout = timeout;
    }

    /** Puts the instance in service; registration itself is asynchronous and retried while StellMap is down. */
    @Override
    public void register(StellMapRegistration registration) {
        registration.lifecycle().inService();
    }

    /** Takes the instance out of service, waiting for StellMap's answer at most the timeout. */
    @Override
    public void deregister(StellMapRegistration registration) {
        try {
            registration.lifecycle().outOfService().get(this.timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        catch (ExecutionException | TimeoutException ex) {
            // Logged by the lifecycle; the lease runs out on its own.
        }
    }

    @Override
    public void close() {
        // The lifecycle owns the client and deregisters in its own shutdown phase.
    }

    /**
     * @param status {@code UP} or {@code OUT_OF_SERVICE} (case-insensitive)
     * @throws IllegalArgumentException for any other status
     */
    @Override
    public void setStatus(StellMapRegistration registration, String status) {
        String normalized = (status != null) ? status.trim().toUpperCase(Locale.ROOT) : "";
        switch (normalized) {
            case UP -> register(registration);
            case OUT_OF_SERVICE -> deregister(registration);
            default -> throw new IllegalArgumentException("StellMap status must be " + UP + " or " + OUT_OF_SERVICE
                    + ", not '" + status + "'");
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getStatus(StellMapRegistration registration) {
        if (registration.lifecycle().isOutOfService()) {
            return (T) OUT_OF_SERVICE;
        }
        return (T) (registration.lifecycle().isRegistered() ? UP : DOWN);
    }
}
