package dev.iotspring.stellmap.autoconfigure;

import dev.iotspring.stellmap.StellMapClientSettings;

/**
 * Adjusts the StellMap client settings after {@code iot.stellmap.*} was applied and before the registry is
 * built: a header whose value comes from a vault, a TLS bundle built in code, other timeouts. Every bean of this
 * type is applied, in {@code @Order}.
 */
@FunctionalInterface
public interface StellMapCustomizer {

    void customize(StellMapClientSettings.Builder settings);
}
