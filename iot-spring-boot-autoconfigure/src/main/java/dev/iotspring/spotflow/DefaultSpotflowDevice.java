package dev.iotspring.spotflow;

import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/** {@link SpotflowDevice} over the {@link SpotflowTwin} the hub keeps up to date. */
public final class DefaultSpotflowDevice implements SpotflowDevice {

    private final SpotflowTwin twin;

    public DefaultSpotflowDevice(SpotflowTwin twin) {
        this.twin = Objects.requireNonNull(twin, "twin");
    }

    @Override
    public @Nullable String getWorkspaceId() {
        return this.twin.getWorkspaceId();
    }

    @Override
    public @Nullable String getDeviceId() {
        return this.twin.getDeviceId();
    }

    @Override
    public DesiredProperties getDesiredProperties() {
        return this.twin.getDesiredProperties();
    }

    @Override
    public void addDesiredPropertiesListener(Consumer<DesiredProperties> listener) {
        this.twin.addDesiredPropertiesListener(listener);
    }

    @Override
    public void updateReportedProperties(Map<String, ?> properties) {
        this.twin.updateReportedProperties(properties);
    }

    @Override
    public boolean anyPendingReportedPropertiesUpdates() {
        return this.twin.anyPendingReportedPropertiesUpdates();
    }

    @Override
    public String toString() {
        return "SpotflowDevice[" + this.twin + "]";
    }
}
