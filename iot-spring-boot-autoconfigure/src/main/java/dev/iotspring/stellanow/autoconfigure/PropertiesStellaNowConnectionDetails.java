package dev.iotspring.stellanow.autoconfigure;

import java.net.URI;

import org.jspecify.annotations.Nullable;

/** {@link StellaNowConnectionDetails} of {@code iot.stellanow.*}, the default. */
final class PropertiesStellaNowConnectionDetails implements StellaNowConnectionDetails {

    private final StellaNowProperties properties;

    PropertiesStellaNowConnectionDetails(StellaNowProperties properties) {
        this.properties = properties;
    }

    @Override
    public URI brokerUrl() {
        return this.properties.effectiveBrokerUrl();
    }

    @Override
    public @Nullable URI apiBaseUrl() {
        return this.properties.effectiveApiBaseUrl();
    }
}
