package dev.iotspring.astarte;

/**
 * Receives what Astarte writes to the device's server-owned interfaces. Beans of this type are added to the
 * {@link AstarteDevice}. Called on the MQTT callback thread: hand long work elsewhere.
 */
@FunctionalInterface
public interface AstarteServerListener {

    void onData(AstarteServerEvent event);
}
