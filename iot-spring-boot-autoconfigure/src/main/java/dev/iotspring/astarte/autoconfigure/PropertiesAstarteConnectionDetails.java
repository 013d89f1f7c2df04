package dev.iotspring.astarte.autoconfigure;

import java.net.URI;

import org.jspecify.annotations.Nullable;

/** {@link AstarteConnectionDetails} of {@code iot.astarte.pairing-url}, the default. */
final class PropertiesAstarteConnectionDetails implements AstarteConnectionDetails {

    private final AstarteProperties properties;

    PropertiesAstarteConnectionDetails(AstarteProperties properties) {
        this.properties = properties;
    }

    @Override
    public @Nullable URI pairingUrl() {
        return this.properties.getPairingUrl();
    }
}
