package dev.iotspring.core.observe;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.iotspring.core.delivery.DeliveryStats;

/**
 * Health details every platform reports the same way, as plain maps so this package needs no actuator classes.
 * A platform's {@code HealthIndicator} adds them with {@code builder.withDetails(...)} next to its own
 * (connected, registration state, ...).
 */
public final class IotHealthDetails {

    private IotHealthDetails() {
    }

    /**
     * Delivery details: {@code delivery} (lifecycle state), {@code ready}, {@code queueSize}, {@code inFlight},
     * {@code durableQueue}, {@code sent}, {@code failed}, {@code dropped}, {@code retries}, {@code expired} and
     * {@code lost} (only when not zero) and {@code lastAck} (ISO-8601, only after the first acknowledgement).
     */
    public static Map<String, Object> delivery(DeliveryStats stats) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("delivery", stats.state().name().toLowerCase(java.util.Locale.ROOT));
        details.put("ready", stats.ready());
        details.put("queueSize", stats.queueSize());
        details.put("inFlight", stats.inFlight());
        details.put("durableQueue", stats.durable());
        details.put("sent", stats.sent());
        details.put("failed", stats.failed());
        details.put("dropped", stats.dropped());
        details.put("retries", stats.retries());
        if (stats.expired() > 0) {
            details.put("expired", stats.expired());
        }
        if (stats.lost() > 0) {
            details.put("lost", stats.lost());
        }
        if (stats.lastAck() != null) {
            details.put("lastAck", stats.lastAck().toString());
        }
        return details;
    }
}
