package dev.iotspring.core.mqtt;

import org.jspecify.annotations.Nullable;

/**
 * The connection went down (lost, reconnect requested, stopped) before the broker acknowledged the message.
 * The broker may or may not have received it: a retry can produce a duplicate (at-least-once).
 */
public class MqttConnectionLostException extends MqttPublishException {

    public MqttConnectionLostException(String message, @Nullable Throwable cause) {
        super(message, 0, cause);
    }
}
