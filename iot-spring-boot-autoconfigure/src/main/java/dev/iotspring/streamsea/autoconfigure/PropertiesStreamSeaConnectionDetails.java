package dev.iotspring.streamsea.autoconfigure;

import org.jspecify.annotations.Nullable;

/** {@link StreamSeaConnectionDetails} of {@code iot.stream-sea.*}, the default. */
final class PropertiesStreamSeaConnectionDetails implements StreamSeaConnectionDetails {

    private final StreamSeaProperties properties;

    PropertiesStreamSeaConnectionDetails(StreamSeaProperties properties) {
        this.properties = properties;
    }

    @Override
    public @Nullable String host() {
        return this.properties.getRemoteHost();
    }

    @Override
    public @Nullable Integer port() {
        return this.properties.getRemotePort();
    }

    @Override
    public boolean secure() {
        return this.properties.isSecure();
    }

    @Override
    public @Nullable String clientId() {
        return this.properties.getClientId();
    }

    @Override
    public @Nullable String clientSecret() {
        return this.properties.getClientSecret();
    }
}
