package dev.iotspring.core.mqtt;

import org.jspecify.annotations.Nullable;

/**
 * Credentials could not be obtained. {@linkplain #isPermanent() Permanent} failures stop the reconnect loop;
 * transient ones are retried with back-off. Messages must not contain secrets.
 */
public class MqttCredentialsException extends RuntimeException {

    private final boolean permanent;

    public MqttCredentialsException(String message, boolean permanent, @Nullable Throwable cause) {
        super(message, cause);
        this.permanent = permanent;
    }

    /** Retrying cannot help: the connection stops and reports {@link MqttConnectionState#FAILED}. */
    public static MqttCredentialsException permanent(String message, @Nullable Throwable cause) {
        return new MqttCredentialsException(message, true, cause);
    }

    /** Worth retrying after the back-off delay (identity provider down, timeout). */
    public static MqttCredentialsException transientFailure(String message, @Nullable Throwable cause) {
        return new MqttCredentialsException(message, false, cause);
    }

    public boolean isPermanent() {
        return this.permanent;
    }
}
