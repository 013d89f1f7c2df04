package dev.iotspring.test.mqtt;

/**
 * A CONNECT the {@link EmbeddedMqttBroker} received, and whether it was accepted.
 *
 * @param info what the client sent
 * @param decision the broker's answer
 */
public record RecordedConnect(MqttConnectInfo info, MqttAuthenticator.Decision decision) {

    public boolean accepted() {
        return this.decision.accepted();
    }

    public String clientId() {
        return this.info.clientId();
    }
}
