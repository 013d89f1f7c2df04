package dev.iotspring.astarte;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One mapping of an {@link AstarteInterface}: an endpoint such as {@code /%{room}/temperature} and what may be
 * sent on it.
 *
 * @param endpoint the endpoint as written in the interface, parameters as {@code %{name}}
 * @param type value type
 * @param reliability datastream reliability (QoS 0, 1, 2); properties are always sent as {@code unique}
 * @param explicitTimestamp whether a datastream value carries its own timestamp ({@code t})
 * @param retention what the device does with a datastream value it cannot deliver now
 * @param expiry how long a retained value stays worth sending; zero means forever
 * @param allowUnset whether a property may be unset
 * @param required whether an object aggregate must contain this key
 */
public record AstarteMapping(String endpoint, AstarteMappingType type, Reliability reliability,
        boolean explicitTimestamp, Retention retention, Duration expiry, boolean allowUnset, boolean required) {

    /** Datastream delivery guarantee and its MQTT QoS. */
    public enum Reliability {

        UNRELIABLE(0), GUARANTEED(1), UNIQUE(2);

        private final int qos;

        Reliability(int qos) {
            this.qos = qos;
        }

        public int qos() {
            return this.qos;
        }
    }

    /** Device-side buffering of datastream values while the broker cannot be reached. */
    public enum Retention {

        /** Fails at once when not connected. */
        DISCARD,
        /** Kept in memory until sent or the application stops. */
        VOLATILE,
        /** Kept in the SQLite store across restarts. */
        STORED
    }

    /** The endpoint split into its segments (without the leading empty one). */
    List<String> segments() {
        return List.of(this.endpoint.substring(1).split("/", -1));
    }

    /** Last segment of the endpoint: the key of this mapping in an object aggregate. */
    String lastSegment() {
        String e = this.endpoint;
        return e.substring(e.lastIndexOf('/') + 1);
    }

    static boolean isParameter(String segment) {
        return segment.startsWith("%{") && segment.endsWith("}");
    }

    /**
     * Whether {@code path} (already split) matches {@code pattern}: same number of segments, literal segments
     * equal, parameter segments non-empty (the MQTT wildcards and '/' cannot occur in a valid segment).
     */
    static boolean matches(List<String> pattern, String[] path) {
        if (pattern.size() != path.length) {
            return false;
        }
        for (int i = 0; i < path.length; i++) {
            String p = pattern.get(i);
            if (isParameter(p) ? !validParameterValue(path[i]) : !p.equals(path[i])) {
                return false;
            }
        }
        return true;
    }

    static boolean validParameterValue(String value) {
        return !value.isEmpty() && value.indexOf('+') < 0 && value.indexOf('#') < 0;
    }

    /** The QoS of a datastream publish on this mapping. */
    int qos() {
        return this.reliability.qos();
    }

    @Nullable
    static AstarteMapping find(List<AstarteMapping> mappings, String[] path) {
        for (AstarteMapping m : mappings) {
            if (matches(m.segments(), path)) {
                return m;
            }
        }
        return null;
    }
}
