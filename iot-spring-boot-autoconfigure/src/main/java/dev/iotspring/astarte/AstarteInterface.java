package dev.iotspring.astarte;

import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * An Astarte interface as read from its JSON definition and checked by {@link AstarteInterfaces}.
 *
 * @param name interface name, e.g. {@code org.example.Sensors}
 * @param major major version
 * @param minor minor version
 * @param type datastream or properties
 * @param ownership who writes it
 * @param aggregation individual values or object aggregates
 * @param mappings its mappings, at least one
 */
public record AstarteInterface(String name, int major, int minor, Type type, Ownership ownership,
        Aggregation aggregation, List<AstarteMapping> mappings) {

    /** Interface type. */
    public enum Type {
        DATASTREAM, PROPERTIES
    }

    /** Who publishes on the interface. */
    public enum Ownership {
        DEVICE, SERVER
    }

    /** Whether values travel one by one or as an object of every mapping's last segment. */
    public enum Aggregation {
        INDIVIDUAL, OBJECT
    }

    public AstarteInterface {
        Objects.requireNonNull(name, "name");
        mappings = List.copyOf(mappings);
    }

    public boolean isProperties() {
        return this.type == Type.PROPERTIES;
    }

    public boolean isServerOwned() {
        return this.ownership == Ownership.SERVER;
    }

    public boolean isObject() {
        return this.aggregation == Aggregation.OBJECT;
    }

    /** The mapping a concrete path (e.g. {@code /room1/temperature}) resolves to, or null. */
    public @Nullable AstarteMapping mappingFor(String path) {
        if (path == null || path.length() < 2 || path.charAt(0) != '/') {
            return null;
        }
        return AstarteMapping.find(this.mappings, path.substring(1).split("/", -1));
    }

    /**
     * Whether a concrete path is a valid object path of this (object) interface: the mappings' common prefix
     * with its parameters filled in.
     */
    public boolean isObjectPath(String path) {
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            return false;
        }
        List<String> prefix = this.mappings.get(0).segments();
        prefix = prefix.subList(0, prefix.size() - 1);
        if (prefix.isEmpty()) {
            // Legacy depth-1 objects publish on the bare "/".
            return path.equals("/");
        }
        return AstarteMapping.matches(prefix, path.substring(1).split("/", -1));
    }

    /** The {@code name:major:minor} entry of the introspection string. */
    String introspectionEntry() {
        return this.name + ":" + this.major + ":" + this.minor;
    }
}
