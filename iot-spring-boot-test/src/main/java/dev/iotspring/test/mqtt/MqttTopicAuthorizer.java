package dev.iotspring.test.mqtt;

import org.jspecify.annotations.Nullable;

/**
 * Decides per client whether it may publish to a topic or subscribe to a filter. A refused MQTT 3.1.1
 * publish makes the broker close the connection (3.1.1 has no negative PUBACK); a refused subscription gets
 * SUBACK 0x80.
 */
@FunctionalInterface
public interface MqttTopicAuthorizer {

    boolean authorize(MqttConnectInfo client, Action action, String topicOrFilter);

    /** Everything allowed (the default). */
    static MqttTopicAuthorizer allowAll() {
        return (client, action, topic) -> true;
    }

    /**
     * Only topics under the client's identity: the client certificate's common name when there is one, else
     * the user name (VerneMQ/Mosquitto {@code pattern readwrite %u/#} plus {@code %u} itself, as Astarte does).
     */
    static MqttTopicAuthorizer identityPrefix() {
        return (client, action, topic) -> {
            @Nullable String identity = (client.certificateCommonName() != null) ? client.certificateCommonName()
                    : client.username();
            return identity != null && (topic.equals(identity) || topic.startsWith(identity + "/"));
        };
    }

    /** What the client wants to do. */
    enum Action {

        PUBLISH, SUBSCRIBE
    }
}
