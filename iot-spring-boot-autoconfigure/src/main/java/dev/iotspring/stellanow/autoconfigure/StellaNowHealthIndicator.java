package dev.iotspring.stellanow.autoconfigure;

import java.util.Locale;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.delivery.DeliveryStats;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttConnectionState;
import dev.iotspring.core.observe.IotHealthDetails;
import dev.iotspring.stellanow.OidcTokenSource;
import dev.iotspring.stellanow.StellaNowAuthenticationException;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * StellaNow's health: DOWN only when the credentials were rejected for good (nothing will be sent until the
 * configuration is fixed). A client that is reconnecting while it buffers events stays UP and says so in the
 * details ({@code connection}, {@code buffering}), so a load balancer does not pull an instance for a broker
 * outage it cannot fix.
 */
public class StellaNowHealthIndicator implements HealthIndicator {

    private final MqttConnection connection;

    private final Dispatcher dispatcher;

    private final String topic;

    private final @Nullable OidcTokenSource tokenSource;

    private final String broker;

    /**
     * @param connection the MQTT connection events go out on
     * @param dispatcher the dispatcher that moves queued events to the connection
     * @param topic the topic events go to, {@code in/{organizationId}}
     * @param tokenSource the OIDC token source, {@code null} for basic or no authentication
     * @param broker the broker URL shown in the details
     */
    public StellaNowHealthIndicator(MqttConnection connection, Dispatcher dispatcher, String topic,
            @Nullable OidcTokenSource tokenSource, String broker) {
        this.connection = connection;
        this.dispatcher = dispatcher;
        this.topic = topic;
        this.tokenSource = tokenSource;
        this.broker = broker;
    }

    @Override
    public Health health() {
        MqttConnection connection = this.connection;
        MqttConnectionState state = connection.state();
        DeliveryStats stats = this.dispatcher.stats();
        StellaNowAuthenticationException authFailure = (this.tokenSource != null)
                ? this.tokenSource.permanentFailure() : null;
        boolean down = authFailure != null || state == MqttConnectionState.FAILED;
        Health.Builder health = down ? Health.down() : Health.up();
        health.withDetail("connection", state.name().toLowerCase(Locale.ROOT))
            .withDetail("broker", this.broker)
            .withDetail("clientId", connection.settings().clientId())
            .withDetail("topic", this.topic)
            .withDetail("buffering", !connection.isConnected() && !down)
            .withDetails(IotHealthDetails.delivery(stats));
        if (connection.connectedSince() != null) {
            health.withDetail("connectedSince", connection.connectedSince().toString());
        }
        if (!connection.isConnected() && connection.lastFailure() != null) {
            health.withDetail("lastFailure", connection.lastFailure());
        }
        if (this.tokenSource != null) {
            if (authFailure != null) {
                // The identity provider's own description: no token, no password.
                health.withDetail("authentication", "rejected: " + authFailure.getMessage());
            }
            else {
                StellaNowAuthenticationException last = this.tokenSource.lastFailure();
                health.withDetail("authentication", (last != null) ? "retrying: " + last.getMessage()
                        : (this.tokenSource.accessTokenExpiresAt() != null) ? "ok" : "pending");
            }
        }
        return health.build();
    }
}
