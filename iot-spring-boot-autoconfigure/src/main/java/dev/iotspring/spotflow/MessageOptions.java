package dev.iotspring.spotflow;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Where a stream message goes and how it is sent: stream group and stream (the sender's defaults when not
 * given, the platform's defaults when neither is), batch, batch slice, message and chunk ids, and compression.
 * Immutable; build with {@link #builder()}. Every id is sent percent-encoded in the topic, so any text is allowed,
 * but not an empty one.
 */
public final class MessageOptions {

    private static final MessageOptions DEFAULTS = builder().build();

    private final @Nullable String streamGroup;

    private final @Nullable String stream;

    private final @Nullable String batchId;

    private final @Nullable String batchSliceId;

    private final @Nullable String messageId;

    private final @Nullable String chunkId;

    private final @Nullable Compression compression;

    private MessageOptions(Builder b) {
        this.streamGroup = b.streamGroup;
        this.stream = b.stream;
        this.batchId = b.batchId;
        this.batchSliceId = b.batchSliceId;
        this.messageId = b.messageId;
        this.chunkId = b.chunkId;
        this.compression = b.compression;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** No option set: default stream, no ids, the configured compression. */
    public static MessageOptions defaults() {
        return DEFAULTS;
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.streamGroup = this.streamGroup;
        b.stream = this.stream;
        b.batchId = this.batchId;
        b.batchSliceId = this.batchSliceId;
        b.messageId = this.messageId;
        b.chunkId = this.chunkId;
        b.compression = this.compression;
        return b;
    }

    public @Nullable String streamGroup() {
        return this.streamGroup;
    }

    public @Nullable String stream() {
        return this.stream;
    }

    public @Nullable String batchId() {
        return this.batchId;
    }

    public @Nullable String batchSliceId() {
        return this.batchSliceId;
    }

    public @Nullable String messageId() {
        return this.messageId;
    }

    public @Nullable String chunkId() {
        return this.chunkId;
    }

    /** The compression asked for, or null for the sender's configured default. */
    public @Nullable Compression compression() {
        return this.compression;
    }

    /**
     * These options with the stream group, stream and compression taken from {@code defaults} where this has
     * none.
     */
    MessageOptions orDefaults(@Nullable String defaultGroup, @Nullable String defaultStream,
            Compression defaultCompression) {
        if (this.streamGroup != null && this.stream != null && this.compression != null) {
            return this;
        }
        Builder b = toBuilder();
        if (this.streamGroup == null && this.stream == null) {
            // Defaults apply only as a pair: a group alone means that group's default stream.
            b.streamGroup = defaultGroup;
            b.stream = defaultStream;
        }
        if (this.compression == null) {
            b.compression = defaultCompression;
        }
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MessageOptions m && Objects.equals(this.streamGroup, m.streamGroup)
                && Objects.equals(this.stream, m.stream) && Objects.equals(this.batchId, m.batchId)
                && Objects.equals(this.batchSliceId, m.batchSliceId) && Objects.equals(this.messageId, m.messageId)
                && Objects.equals(this.chunkId, m.chunkId) && this.compression == m.compression;
    }

    @Override
    public int hashCode() {
        return Objects.hash(this.streamGroup, this.stream, this.batchId, this.batchSliceId, this.messageId,
                this.chunkId, this.compression);
    }

    @Override
    public String toString() {
        return "MessageOptions[streamGroup=" + this.streamGroup + ", stream=" + this.stream + ", batchId="
                + this.batchId + ", batchSliceId=" + this.batchSliceId + ", messageId=" + this.messageId
                + ", chunkId=" + this.chunkId + ", compression=" + this.compression + "]";
    }

    /** Builder of {@link MessageOptions}; every setter accepts null for "not set". */
    public static final class Builder {

        private @Nullable String streamGroup;

        private @Nullable String stream;

        private @Nullable String batchId;

        private @Nullable String batchSliceId;

        private @Nullable String messageId;

        private @Nullable String chunkId;

        private @Nullable Compression compression;

        private Builder() {
        }

        public Builder streamGroup(@Nullable String streamGroup) {
            this.streamGroup = check(streamGroup, "streamGroup");
            return this;
        }

        public Builder stream(@Nullable String stream) {
            this.stream = check(stream, "stream");
            return this;
        }

        public Builder batchId(@Nullable String batchId) {
            this.batchId = check(batchId, "batchId");
            return this;
        }

        public Builder batchSliceId(@Nullable String batchSliceId) {
            this.batchSliceId = check(batchSliceId, "batchSliceId");
            return this;
        }

        public Builder messageId(@Nullable String messageId) {
            this.messageId = check(messageId, "messageId");
            return this;
        }

        public Builder chunkId(@Nullable String chunkId) {
            this.chunkId = check(chunkId, "chunkId");
            return this;
        }

        /** Null means the sender's configured default ({@code iot.spotflow.compression}). */
        public Builder compression(@Nullable Compression compression) {
            this.compression = compression;
            return this;
        }

        public MessageOptions build() {
            return new MessageOptions(this);
        }

        private static @Nullable String check(@Nullable String value, String field) {
            if (value != null && value.isEmpty()) {
                throw new SpotflowValidationException(field, "must not be empty (leave it unset instead)");
            }
            return value;
        }
    }
}
