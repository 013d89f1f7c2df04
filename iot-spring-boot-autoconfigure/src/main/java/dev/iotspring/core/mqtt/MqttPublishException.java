package dev.iotspring.core.mqtt;

import org.jspecify.annotations.Nullable;

/**
 * A publish that the broker did not acknowledge. Subclasses tell why; {@link #reasonCode()} carries Paho's
 * reason code when the client library reported one (0 otherwise).
 */
public class MqttPublishException extends RuntimeException {

    private final int reasonCode;

    public MqttPublishException(String message, int reasonCode, @Nullable Throwable cause) {
        super(message, cause);
        this.reasonCode = reasonCode;
    }

    public int reasonCode() {
        return this.reasonCode;
    }
}
