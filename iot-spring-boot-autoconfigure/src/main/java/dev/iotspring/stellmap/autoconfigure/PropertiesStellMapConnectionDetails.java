package dev.iotspring.stellmap.autoconfigure;

import java.net.URI;
import java.util.List;

/** {@link StellMapConnectionDetails} of {@code iot.stellmap.server-url}, the default. */
final class PropertiesStellMapConnectionDetails implements StellMapConnectionDetails {

    private final StellMapProperties properties;

    PropertiesStellMapConnectionDetails(StellMapProperties properties) {
        this.properties = properties;
    }

    @Override
    public List<URI> serverUrls() {
        return this.properties.getServerUrl();
    }
}
