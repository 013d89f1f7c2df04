package dev.iotspring.stellanow.autoconfigure;

import dev.iotspring.core.mqtt.MqttConnectionSettings;

/**
 * Adjusts the StellaNow MQTT client settings after the {@code iot.stellanow.*} properties were applied and before
 * the connection is built (a scheduler, the random source of the backoff jitter, a custom TLS setup). Every
 * bean of this type is applied, in {@link org.springframework.core.Ordered} order.
 *
 * <pre>{@code
 * @Bean
 * StellaNowCustomizer pythonSdkKeepAlive() {
 *     return (settings) -> settings.keepAlive(Duration.ofSeconds(5));
 * }
 * }</pre>
 */
@FunctionalInterface
public interface StellaNowCustomizer {

    void customize(MqttConnectionSettings.Builder settings);
}
