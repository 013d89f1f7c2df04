package dev.iotspring.core.mqtt;

/** A publish or subscribe was refused because the connection is not up; nothing was sent. */
public class MqttNotConnectedException extends MqttPublishException {

    public MqttNotConnectedException(String message) {
        super(message, 0, null);
    }
}
