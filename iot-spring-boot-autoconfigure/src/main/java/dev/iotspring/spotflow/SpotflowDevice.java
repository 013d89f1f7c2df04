package dev.iotspring.spotflow;

import java.util.Map;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * The device as the Spotflow platform knows it: its ids and its twin. Desired properties are applied in version
 * order (a gap fetches the whole twin); reported properties are queued durably and sent as JSON merge patches
 * against the last reported document.
 */
public interface SpotflowDevice {

    /** The workspace id, or null until the device was registered once. */
    @Nullable String getWorkspaceId();

    /** The device id the platform assigned (or the one requested), or null until registered once. */
    @Nullable String getDeviceId();

    /** The desired properties last received (stored, so known at start after the first run). */
    DesiredProperties getDesiredProperties();

    /**
     * Called after every applied twin or patch (also the whole twin fetched after each reconnect), on a
     * dedicated thread, in order.
     */
    void addDesiredPropertiesListener(Consumer<DesiredProperties> listener);

    /**
     * Queues the full reported document; it is sent as a merge patch against the last one reported ({@code null}
     * for keys that are gone). Returns once the update is committed to the store.
     */
    void updateReportedProperties(Map<String, ?> properties);

    /** Whether a reported-properties update is queued and not confirmed by the platform yet. */
    boolean anyPendingReportedPropertiesUpdates();
}
