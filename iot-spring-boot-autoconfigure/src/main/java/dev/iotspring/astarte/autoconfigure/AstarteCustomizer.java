package dev.iotspring.astarte.autoconfigure;

import dev.iotspring.astarte.AstarteDeviceSettings;

/**
 * Adjusts the Astarte device settings (trust, keep-alive, back-off, secret source...) before the device is built.
 * Every such bean is applied, in order.
 */
@FunctionalInterface
public interface AstarteCustomizer {

    void customize(AstarteDeviceSettings.Builder settings);
}
