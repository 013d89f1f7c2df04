package dev.iotspring.core.mqtt;

/**
 * Connection events, called on the connection's own threads, Paho's callback thread or the thread that called
 * {@code stop()}: do not block, hand longer work (an Astarte handshake, a token refresh) to another thread.
 * {@code publish}, {@code subscribe} and {@code reconnect()} may be called from a listener; {@code stop()} and
 * {@code close()} must not (they wait for acknowledgements that this thread delivers).
 */
public interface MqttConnectionListener {

    /**
     * CONNACK accepted and every subscription restored; publishing works.
     * @param sessionPresent the broker's session-present flag: false means a fresh session (for clean-session
     * clients always), true that the broker kept subscriptions and queued messages from before
     */
    default void connected(boolean sessionPresent) {
    }

    /**
     * The connection went down, or a connect attempt failed.
     * @param cause what happened (a Paho {@code MqttException} carries the CONNACK reason code, a
     * {@link MqttCredentialsException} a credentials failure)
     * @param willRetry false after a permanent failure or stop
     */
    default void disconnected(Throwable cause, boolean willRetry) {
    }
}
