package dev.iotspring.streamsea;

import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * How a subscription joins a consumer group. Every published message reaches exactly one member of every
 * group subscribed to the stream.
 */
sealed interface GroupMode {

    /** The {@code groupId} of the next subscribe frame, or {@code null} to leave the key out. */
    @Nullable String nextGroupId();

    /** No {@code groupId}: the server's default group (instances of one client compete). */
    record ServerDefault() implements GroupMode {
        @Override
        public @Nullable String nextGroupId() {
            return null;
        }
    }

    /** A configured group: the same UUID on every (re)subscribe, so all its members share the messages. */
    record Fixed(UUID groupId) implements GroupMode {
        @Override
        public String nextGroupId() {
            return this.groupId.toString();
        }
    }

    /** A fresh UUID per subscribe frame: a one-member group that gets every message. */
    record Fanout() implements GroupMode {
        @Override
        public String nextGroupId() {
            return UUID.randomUUID().toString();
        }
    }
}
