package dev.iotspring.test.mqtt;

import java.util.Objects;

/**
 * Decides whether the {@link EmbeddedMqttBroker} accepts a CONNECT. Runs on the broker's threads; keep it
 * quick. Exceptions refuse the client with {@link Decision.Refusal#SERVER_UNAVAILABLE}.
 */
@FunctionalInterface
public interface MqttAuthenticator {

    Decision authenticate(MqttConnectInfo connect);

    /** Accepts everyone (the default). */
    static MqttAuthenticator allowAll() {
        return connect -> Decision.accept();
    }

    /** Accepts exactly this user name and password; refuses others with bad-username-or-password. */
    static MqttAuthenticator usernamePassword(String username, String password) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        return connect -> (username.equals(connect.username()) && password.equals(connect.passwordAsString()))
                ? Decision.accept() : Decision.reject(Decision.Refusal.BAD_USERNAME_OR_PASSWORD);
    }

    /** Accepts clients that presented a TLS client certificate; refuses others with not-authorized. */
    static MqttAuthenticator clientCertificate() {
        return connect -> (connect.clientCertificate() != null) ? Decision.accept()
                : Decision.reject(Decision.Refusal.NOT_AUTHORIZED);
    }

    /**
     * Outcome of an authentication.
     * @param accepted whether the client is let in
     * @param refusal why not, when refused
     */
    record Decision(boolean accepted, Refusal refusal) {

        private static final Decision ACCEPT = new Decision(true, Refusal.NONE);

        public static Decision accept() {
            return ACCEPT;
        }

        public static Decision reject(Refusal refusal) {
            if (refusal == Refusal.NONE) {
                throw new IllegalArgumentException("a rejection needs a reason");
            }
            return new Decision(false, refusal);
        }

        /**
         * CONNACK refusals, with their MQTT 3.1.1 return codes and MQTT 5 reason codes.
         */
        public enum Refusal {

            NONE(0, 0),

            /** 3.1.1: 2, 5: 0x85. */
            IDENTIFIER_REJECTED(2, 0x85),

            /** 3.1.1: 3, 5: 0x88. */
            SERVER_UNAVAILABLE(3, 0x88),

            /** 3.1.1: 4, 5: 0x86. */
            BAD_USERNAME_OR_PASSWORD(4, 0x86),

            /** 3.1.1: 5, 5: 0x87. */
            NOT_AUTHORIZED(5, 0x87);

            private final int mqtt3ReturnCode;

            private final int mqtt5ReasonCode;

            Refusal(int mqtt3ReturnCode, int mqtt5ReasonCode) {
                this.mqtt3ReturnCode = mqtt3ReturnCode;
                this.mqtt5ReasonCode = mqtt5ReasonCode;
            }

            public int mqtt3ReturnCode() {
                return this.mqtt3ReturnCode;
            }

            public int mqtt5ReasonCode() {
                return this.mqtt5ReasonCode;
            }
        }
    }
}
