package dev.iotspring.astarte;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * The property calls of {@link AstarteDevice}: a device property is stored before it is queued (the next session's
 * replay and purge list must include it) and put back as it was when the queue refuses it; a read gives the stored
 * value of either ownership, dropping one stored under another major version.
 *
 * <p>Calls of one property run one at a time, so that the stored value is always the last one queued.
 */
final class AstartePropertyAccess {

    private final AstarteInterfaces interfaces;

    private final AstartePropertyStore properties;

    private final Runnable requireStore;

    /** Queues the value; throws when it is refused before it was queued (full, closed). */
    private final Function<AstarteOutbound, CompletableFuture<Void>> dispatch;

    /** The lock of each device property's calls, by {@code interface/path}. */
    private final ConcurrentMap<String, Object> locks = new ConcurrentHashMap<>();

    AstartePropertyAccess(AstarteInterfaces interfaces, AstartePropertyStore properties, Runnable requireStore,
            Function<AstarteOutbound, CompletableFuture<Void>> dispatch) {
        this.interfaces = interfaces;
        this.properties = properties;
        this.requireStore = requireStore;
        this.dispatch = dispatch;
    }

    CompletableFuture<Void> set(String interfaceName, String path, Object value) {
        AstarteOutbound out = this.interfaces.property(interfaceName, path, value);
        this.requireStore.run();
        // Two sets racing between store and queue would leave Astarte with one value and the store (so the next
        // session's replay) with the other.
        synchronized (lock(interfaceName, path)) {
            Optional<AstartePropertyStore.Row> previous = this.properties.get(false, interfaceName, path);
            // Stored before it is queued: the next session's property replay and purge list must include it.
            this.properties.put(false, interfaceName, path, out.major(), out.payload());
            return queue(out, previous);
        }
    }

    CompletableFuture<Void> unset(String interfaceName, String path) {
        AstarteOutbound out = this.interfaces.unset(interfaceName, path);
        this.requireStore.run();
        synchronized (lock(interfaceName, path)) {
            Optional<AstartePropertyStore.Row> previous = this.properties.get(false, interfaceName, path);
            this.properties.remove(false, interfaceName, path);
            return queue(out, previous);
        }
    }

    private Object lock(String interfaceName, String path) {
        return this.locks.computeIfAbsent(interfaceName + path, key -> new Object());
    }

    /** Queues the set or unset; a refusal puts the stored value back as it was and is thrown. */
    private CompletableFuture<Void> queue(AstarteOutbound out, Optional<AstartePropertyStore.Row> previous) {
        try {
            return this.dispatch.apply(out);
        }
        catch (RuntimeException ex) {
            restore(out.interfaceName(), out.path(), previous);
            throw ex;
        }
    }

    private void restore(String interfaceName, String path, Optional<AstartePropertyStore.Row> previous) {
        if (previous.isPresent()) {
            AstartePropertyStore.Row row = previous.get();
            this.properties.put(false, interfaceName, path, row.major(), row.payload());
        }
        else {
            this.properties.remove(false, interfaceName, path);
        }
    }

    Optional<Object> get(String interfaceName, String path) {
        AstarteInterface iface = this.interfaces.known(interfaceName, path);
        AstarteMapping mapping = iface.mappingFor(path);
        if (!iface.isProperties() || mapping == null) {
            return Optional.empty();
        }
        this.requireStore.run();
        Optional<AstartePropertyStore.Row> row = this.properties.get(iface.isServerOwned(), interfaceName, path);
        if (row.isEmpty()) {
            return Optional.empty();
        }
        if (row.get().major() != iface.major()) {
            this.properties.remove(iface.isServerOwned(), interfaceName, path);
            return Optional.empty();
        }
        return Optional.of(AstartePayloads.toJava(mapping.type(), AstartePayloads.decode(row.get().payload()).value()));
    }
}
