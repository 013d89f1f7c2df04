package dev.iotspring.core.mqtt;

/** Where a {@link MqttConnection} is in its life. */
public enum MqttConnectionState {

    /** Created, {@code start()} not called yet. */
    NEW,

    /** A connect attempt is running (CONNECT sent or credentials being fetched). */
    CONNECTING,

    /** CONNACK accepted and subscriptions restored: publishing works. */
    CONNECTED,

    /** Lost or refused; the next attempt is scheduled. */
    DISCONNECTED,

    /** Stopped reconnecting after a permanent failure (see {@link MqttCredentialsException#permanent}). */
    FAILED,

    /** {@code stop()} or {@code close()} was called. */
    STOPPED
}
