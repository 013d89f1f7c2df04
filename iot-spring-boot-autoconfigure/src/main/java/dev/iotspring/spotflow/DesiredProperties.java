package dev.iotspring.spotflow;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The desired properties of the device twin as last received.
 *
 * @param values the properties without {@code $version}; nested objects are maps
 * @param version the twin's desired version; 0 before the first twin was received
 */
public record DesiredProperties(Map<String, Object> values, long version) {

    public DesiredProperties {
        // Not Map.copyOf: a twin value may be JSON null.
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }
}
