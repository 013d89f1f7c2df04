package dev.iotspring.spotflow.autoconfigure;

/** {@link SpotflowConnectionDetails} of {@code iot.spotflow.*}, the default. */
final class PropertiesSpotflowConnectionDetails implements SpotflowConnectionDetails {

    private final SpotflowProperties properties;

    PropertiesSpotflowConnectionDetails(SpotflowProperties properties) {
        this.properties = properties;
    }

    @Override
    public String instance() {
        return this.properties.getInstance();
    }

    @Override
    public int mqttPort() {
        return this.properties.getMqttPort();
    }

    @Override
    public boolean mqttTls() {
        return this.properties.isMqttTls();
    }

    @Override
    public int hubHttpPort() {
        return this.properties.getHubHttpPort();
    }
}
