package dev.iotspring.astarte;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * Data Astarte wrote to one of the device's server-owned interfaces.
 *
 * @param interfaceName interface name
 * @param path concrete path (for an object aggregate, its common prefix)
 * @param value the value in the mapping's Java type (a {@code Map} for object aggregates, Lists for arrays);
 * null when a property was unset
 * @param timestamp the value's own timestamp when Astarte sent one
 * @param unset whether a property was unset
 */
public record AstarteServerEvent(String interfaceName, String path, @Nullable Object value,
        @Nullable Instant timestamp, boolean unset) {

    public boolean isUnset() {
        return this.unset;
    }

    @Override
    public String toString() {
        // Values may be personal data: only where it came from.
        return "AstarteServerEvent[" + this.interfaceName + this.path + (this.unset ? ", unset" : "") + "]";
    }
}
