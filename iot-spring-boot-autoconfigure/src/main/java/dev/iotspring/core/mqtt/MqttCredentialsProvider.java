package dev.iotspring.core.mqtt;

/**
 * Gives the credentials for the next CONNECT. The connection asks before every connect attempt, so tokens and
 * SAS passwords that change between connects are always current. Runs on the connection's scheduler thread
 * and may block (e.g. to fetch a token over HTTP).
 *
 * <p>Throw {@link MqttCredentialsException#permanent} when retrying cannot help (wrong password, revoked
 * device): the connection then stops reconnecting and reports {@link MqttConnectionState#FAILED}. Any other
 * exception counts as one failed attempt and the connection retries after its back-off.
 */
@FunctionalInterface
public interface MqttCredentialsProvider {

    MqttCredentials get() throws Exception;

    static MqttCredentialsProvider none() {
        return MqttCredentials::none;
    }

    static MqttCredentialsProvider of(MqttCredentials credentials) {
        return () -> credentials;
    }
}
