package dev.iotspring.stellmap;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One change seen by a watch.
 *
 * @param type snapshot, upsert or delete
 * @param revision the server's revision of the change (strictly increasing, with gaps)
 * @param namespace namespace
 * @param service service of an upsert/delete; for a snapshot the watched single service or {@code null}
 * @param instanceId instance of an upsert/delete, {@code null} for a snapshot
 * @param instance the full instance of an upsert, {@code null} otherwise
 * @param instances every live matching instance, for a snapshot (replaces the whole watched scope); empty
 *     otherwise
 */
public record WatchEvent(Type type, long revision, String namespace, @Nullable String service,
        @Nullable String instanceId, @Nullable ServiceInstance instance, List<ServiceInstance> instances) {

    public WatchEvent {
        instances = List.copyOf(instances);
    }

    public enum Type {

        /** Everything that matches the watch now: replace the local view. */
        SNAPSHOT,

        /** Registration or heartbeat (one per heartbeat: de-duplicate ignoring the heartbeat time). */
        UPSERT,

        /** Deregistered, purged, or no longer matching the filters; may name an instance never seen. */
        DELETE
    }
}
