package dev.iotspring.astarte;

import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * The property calls of {@link AstarteDevice}: a device property is stored before it is queued (the next session's
 * replay and purge list must include it) and put back as it was when the queue refuses it; a read gives the stored
 * value of either ownership, dropping one stored under another major version.
 *
 * <p>Calls of one property run one at a time, so that the stored value is always the last one queued and a set is
 * never skipped on the strength of a send another thread is replacing.
 *
 * <p>A set equal to the stored value (same payload bytes and major) is not sent again when the last send of that
 * property was this value and the broker acknowledged it since the last {@code emptyCache} (an acknowledged replay
 * of a new session counts). That state is kept in memory: after a restart the first such set is sent once more,
 * which at-least-once delivery allows anyway, where persisting it would take a store format change and a write per
 * acknowledgement and per new session to save that one message.
 */
final class AstartePropertyAccess {

    private final AstarteInterfaces interfaces;

    private final AstartePropertyStore properties;

    private final Runnable requireStore;

    /** Queues the value; throws when it is refused before it was queued (full, closed). */
    private final Function<AstarteOutbound, CompletableFuture<Void>> dispatch;

    /** Per device property ({@code interface/path}): the lock of its calls and its last send. */
    private final ConcurrentMap<String, Slot> slots = new ConcurrentHashMap<>();

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
        Slot slot = slot(interfaceName, path);
        synchronized (slot) {
            Optional<AstartePropertyStore.Row> previous = this.properties.get(false, interfaceName, path);
            if (previous.isPresent() && previous.get().holds(out.major(), out.payload())
                    && slot.delivered(out.major(), out.payload())) {
                return CompletableFuture.completedFuture(null);
            }
            // Stored before it is queued: the next session's property replay and purge list must include it.
            this.properties.put(false, interfaceName, path, out.major(), out.payload());
            CompletableFuture<Void> acknowledged = queue(out, previous);
            slot.sent = new Sent(out.major(), out.payload(), acknowledged);
            return relay(acknowledged);
        }
    }

    CompletableFuture<Void> unset(String interfaceName, String path) {
        AstarteOutbound out = this.interfaces.unset(interfaceName, path);
        this.requireStore.run();
        // The slot keeps its last send: with the stored row gone, the next set is sent anyway.
        synchronized (slot(interfaceName, path)) {
            Optional<AstartePropertyStore.Row> previous = this.properties.get(false, interfaceName, path);
            this.properties.remove(false, interfaceName, path);
            return queue(out, previous);
        }
    }

    /**
     * The handshake of a new session is about to send {@code emptyCache}: Astarte forgets the device's properties,
     * so every earlier send stops counting as delivered (then the stored values are replayed, see below).
     */
    void emptyingCache() {
        for (Slot slot : this.slots.values()) {
            synchronized (slot) {
                slot.sent = null;
            }
        }
    }

    /**
     * A stored value the handshake of a new session published after {@code emptyCache}: once acknowledged, it
     * counts as delivered, unless the property changed meanwhile.
     */
    void replayed(AstartePropertyStore.Row row, CompletableFuture<Void> acknowledged) {
        Slot slot = slot(row.interfaceName(), row.path());
        synchronized (slot) {
            Optional<AstartePropertyStore.Row> stored = this.properties.get(false, row.interfaceName(), row.path());
            if (stored.isPresent() && stored.get().holds(row.major(), row.payload())) {
                slot.sent = new Sent(row.major(), row.payload(), acknowledged);
            }
        }
    }

    private Slot slot(String interfaceName, String path) {
        return this.slots.computeIfAbsent(interfaceName + path, key -> new Slot());
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

    /**
     * The caller's own future: one the caller completes itself (say with {@code completeOnTimeout}) must not pass
     * for the broker's acknowledgement. The outcome is passed on as it is (no {@code CompletionException} wrapper).
     */
    private static CompletableFuture<Void> relay(CompletableFuture<Void> acknowledged) {
        CompletableFuture<Void> caller = new CompletableFuture<>();
        acknowledged.whenComplete((ignored, failure) -> {
            if (failure != null) {
                caller.completeExceptionally(failure);
            }
            else {
                caller.complete(null);
            }
        });
        return caller;
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

    /** Guarded by its own monitor. */
    private static final class Slot {

        private @Nullable Sent sent;

        /** Whether the last send of this property was this value and the broker acknowledged it. */
        boolean delivered(int major, byte[] payload) {
            Sent last = this.sent;
            return last != null && last.major() == major && Arrays.equals(last.payload(), payload)
                    && last.acknowledged().isDone() && !last.acknowledged().isCompletedExceptionally();
        }
    }

    private record Sent(int major, byte[] payload, CompletableFuture<Void> acknowledged) {
    }
}
