package dev.iotspring.spotflow.autoconfigure;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/**
 * Where Spotflow's provisioning API and hub are, as Boot's {@link ConnectionDetails}: by default
 * {@code iot.spotflow.instance}, {@code mqtt-port}, {@code mqtt-tls} and {@code hub-http-port}; a bean of this type
 * (an emulator in a test, a service binding) takes their place. The hub's host comes from provisioning; the
 * provisioning token and device id stay in the properties.
 */
public interface SpotflowConnectionDetails extends ConnectionDetails {

    /** Host (and optional port) of the provisioning API, or an explicit {@code http://} URL. */
    String instance();

    /** TCP port of the hub's MQTT listener. */
    int mqttPort();

    /** Whether the hub's MQTT and file-upload HTTP use TLS. */
    boolean mqttTls();

    /** Port of the hub's HTTP API (file uploads). */
    int hubHttpPort();

    /** Fixed details, e.g. of an emulator. */
    static SpotflowConnectionDetails of(String instance, int mqttPort, boolean mqttTls, int hubHttpPort) {
        return new Fixed(instance, mqttPort, mqttTls, hubHttpPort);
    }

    /** {@link SpotflowConnectionDetails#of}. */
    record Fixed(String instance, int mqttPort, boolean mqttTls, int hubHttpPort) implements SpotflowConnectionDetails {

        public Fixed {
            if (instance == null || instance.isBlank()) {
                throw new IllegalArgumentException("Spotflow connection details need an instance (host or URL)");
            }
            requirePort(mqttPort, "mqttPort");
            requirePort(hubHttpPort, "hubHttpPort");
        }

        private static void requirePort(int port, String name) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(
                        "Spotflow connection details: " + name + " must be a TCP port (1 to 65535) but was " + port);
            }
        }
    }
}
