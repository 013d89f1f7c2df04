package dev.iotspring.core.mqtt;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * Username and password for one CONNECT. Either may be absent (anonymous brokers, client-certificate
 * authentication). {@link #toString()} never shows the password.
 */
public final class MqttCredentials {

    private static final MqttCredentials NONE = new MqttCredentials(null, null);

    private final @Nullable String username;

    private final char @Nullable [] password;

    private MqttCredentials(@Nullable String username, char @Nullable [] password) {
        this.username = username;
        this.password = password;
    }

    public static MqttCredentials none() {
        return NONE;
    }

    public static MqttCredentials of(@Nullable String username, @Nullable String password) {
        return new MqttCredentials(username, (password != null) ? password.toCharArray() : null);
    }

    public static MqttCredentials of(@Nullable String username, char @Nullable [] password) {
        return new MqttCredentials(username, (password != null) ? password.clone() : null);
    }

    public @Nullable String username() {
        return this.username;
    }

    /** A copy of the password, or null. */
    public char @Nullable [] password() {
        return (this.password != null) ? this.password.clone() : null;
    }

    public boolean hasPassword() {
        return this.password != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MqttCredentials other && java.util.Objects.equals(this.username, other.username)
                && Arrays.equals(this.password, other.password);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hashCode(this.username) * 31 + Arrays.hashCode(this.password);
    }

    @Override
    public String toString() {
        return "MqttCredentials[username=" + this.username + ", password="
                + ((this.password != null) ? "******" : "none")
                + "]";
    }
}
