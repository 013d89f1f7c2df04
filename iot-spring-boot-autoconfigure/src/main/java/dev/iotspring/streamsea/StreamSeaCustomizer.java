package dev.iotspring.streamsea;

/**
 * Adjusts the client settings the auto-configuration built from {@code iot.stream-sea.*} before the connection
 * and template are created, e.g. to plug in a {@link StreamSeaTokenSource} that fetches tokens from a vault.
 * Every bean of this type is applied, in {@code @Order}.
 */
@FunctionalInterface
public interface StreamSeaCustomizer {

    void customize(StreamSeaClientSettings.Builder settings);
}
