package dev.iotspring.test.mqtt;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * Puts the {@link EmbeddedMqttBroker#shared() shared broker}'s addresses into the Spring environment, so test
 * configuration can refer to them:
 *
 * <pre class="code">
 * &#064;SpringBootTest(properties = "iot.stellanow.broker-url=${iot.test.mqtt.tcp-url}")
 * &#064;ContextConfiguration(initializers = EmbeddedMqttBrokerInitializer.class)
 * </pre>
 *
 * Properties: {@code iot.test.mqtt.tcp-url}, {@code ws-url}, {@code tls-url}, {@code wss-url},
 * {@code ca-certificate} (PEM file of the test CA, for
 * {@code spring.ssl.bundle.pem.<name>.truststore.certificate=file:${iot.test.mqtt.ca-certificate}}).
 */
public class EmbeddedMqttBrokerInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    /** Name of the property source this initializer adds. */
    public static final String PROPERTY_SOURCE_NAME = "embeddedMqttBroker";

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE_NAME,
                properties(EmbeddedMqttBroker.shared())));
    }

    /** The properties for any broker, e.g. one a test built itself. */
    public static Map<String, Object> properties(EmbeddedMqttBroker broker) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("iot.test.mqtt.tcp-url", broker.tcpUrl());
        if (broker.webSocketPort() > 0) {
            properties.put("iot.test.mqtt.ws-url", broker.webSocketUrl());
        }
        if (broker.tlsPort() > 0) {
            properties.put("iot.test.mqtt.tls-url", broker.tlsUrl());
        }
        if (broker.secureWebSocketPort() > 0) {
            properties.put("iot.test.mqtt.wss-url", broker.secureWebSocketUrl());
        }
        Path ca = broker.certificateAuthorityPem();
        if (ca != null) {
            properties.put("iot.test.mqtt.ca-certificate", ca.toAbsolutePath().toString());
        }
        return properties;
    }
}
