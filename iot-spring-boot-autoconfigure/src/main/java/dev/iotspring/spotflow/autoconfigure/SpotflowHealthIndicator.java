package dev.iotspring.spotflow.autoconfigure;

import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttConnectionState;
import dev.iotspring.core.observe.IotHealthDetails;
import dev.iotspring.core.store.DeferredStore;
import dev.iotspring.spotflow.SpotflowHub;
import dev.iotspring.spotflow.SpotflowProvisioner;
import dev.iotspring.spotflow.SpotflowProvisioningState;

/**
 * Spotflow's health: DOWN only when provisioning failed for good (invalid provisioning token, cancelled
 * operation) or the connection gave up; waiting for approval, offline or reconnecting stay UP with the state in
 * the details, since messages keep being queued durably.
 */
public class SpotflowHealthIndicator implements HealthIndicator {

    private final SpotflowHub hub;

    private final Dispatcher dispatcher;

    /** The {@code spotflow} store, possibly still opening; null when the queue is known to be open. */
    private final @Nullable DeferredStore store;

    public SpotflowHealthIndicator(SpotflowHub hub, Dispatcher dispatcher) {
        this(hub, dispatcher, null);
    }

    /**
     * @param store the {@code spotflow} store the dispatcher's queue is in: while it opens, the health does not
     * wait for it; if it could not be opened, the health is DOWN with the cause
     */
    public SpotflowHealthIndicator(SpotflowHub hub, Dispatcher dispatcher, @Nullable DeferredStore store) {
        this.hub = hub;
        this.dispatcher = dispatcher;
        this.store = store;
    }

    @Override
    public Health health() {
        boolean opening = this.store != null && !this.store.isDone();
        Throwable failure = (this.store != null && !opening) ? this.store.failure() : null;
        if (failure != null) {
            // Nothing is queued or sent without it; its queue cannot even be counted.
            return Health.down().withDetail("store", failure.getMessage()).build();
        }
        SpotflowProvisioner provisioner = this.hub.provisioner();
        SpotflowProvisioningState provisioning = provisioner.state();
        MqttConnection connection = this.hub.connection();
        MqttConnectionState state = (connection != null) ? connection.state() : MqttConnectionState.NEW;
        boolean down = provisioning == SpotflowProvisioningState.FAILED || state == MqttConnectionState.FAILED;
        Health.Builder health = down ? Health.down() : Health.up();
        health.withDetail("provisioning", provisioning.name().toLowerCase(Locale.ROOT).replace('_', '-'))
            .withDetail("connection", state.name().toLowerCase(Locale.ROOT))
            .withDetail("connected", this.hub.isReady());
        if (opening) {
            health.withDetail("store", "opening");
        }
        else {
            health.withDetail("pending", this.dispatcher.getQueue().size())
                .withDetails(IotHealthDetails.delivery(this.dispatcher.stats()));
        }
        if (connection != null) {
            health.withDetail("clientId", connection.settings().clientId());
            if (!connection.isConnected() && connection.lastFailure() != null) {
                health.withDetail("lastFailure", connection.lastFailure());
            }
        }
        if (provisioner.pendingOperation() != null) {
            health.withDetail("verificationCode", provisioner.pendingOperation().verificationCode());
        }
        if (provisioner.lastError() != null) {
            health.withDetail("lastError", provisioner.lastError());
        }
        return health.build();
    }
}
