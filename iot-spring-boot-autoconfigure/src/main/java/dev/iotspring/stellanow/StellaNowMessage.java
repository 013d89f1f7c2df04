package dev.iotspring.stellanow;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.queue.MessageIds;

/**
 * One StellaNow event: its event type, the entities it is about (the first is the Kafka key downstream), the
 * payload and when it happened. Immutable; build with {@link #builder(String)}.
 *
 * <pre>{@code
 * StellaNowMessage m = StellaNowMessage.builder("store_receipt")
 *         .entity("patron", "patron-42")
 *         .entity("local_shop", "shop-7")
 *         .payload(receipt)
 *         .build();
 * }</pre>
 */
public final class StellaNowMessage {

    private final String messageId;

    private final String eventTypeDefinitionId;

    private final List<EntityRef> entities;

    private final @Nullable Object payload;

    private final @Nullable String rawPayload;

    private final Instant originDate;

    private StellaNowMessage(Builder builder) {
        this.messageId = MessageIds.next();
        this.eventTypeDefinitionId = builder.eventTypeDefinitionId;
        this.entities = List.copyOf(builder.entities);
        this.payload = builder.payload;
        this.rawPayload = builder.rawPayload;
        this.originDate = (builder.originDate != null) ? builder.originDate : Instant.now();
    }

    /**
     * Starts a message of the given event type.
     * @param eventTypeDefinitionId the event's name as defined in the Operators Console, e.g. {@code user_details}
     */
    public static Builder builder(String eventTypeDefinitionId) {
        return new Builder(eventTypeDefinitionId);
    }

    /** Random UUID v4 (lowercase), fresh for every message; the envelope's {@code messageId}. */
    public String messageId() {
        return this.messageId;
    }

    public String eventTypeDefinitionId() {
        return this.eventTypeDefinitionId;
    }

    /** At least one entity, in the order given; the first one is the envelope key. */
    public List<EntityRef> entities() {
        return this.entities;
    }

    /** The payload object, serialized as JSON when sent; {@code null} when a raw payload was given. */
    public @Nullable Object payload() {
        return this.payload;
    }

    /** The payload as a JSON document given by the caller, or {@code null}. */
    public @Nullable String rawPayload() {
        return this.rawPayload;
    }

    /** When the event happened (UTC instant); defaults to the time the message was built. */
    public Instant originDate() {
        return this.originDate;
    }

    @Override
    public String toString() {
        // The payload may hold personal data: never printed.
        return "StellaNowMessage[messageId=" + this.messageId + ", event=" + this.eventTypeDefinitionId
                + ", entities=" + this.entities + ", originDate=" + this.originDate + "]";
    }

    public static final class Builder {

        private final String eventTypeDefinitionId;

        private final List<EntityRef> entities = new ArrayList<>();

        private @Nullable Object payload;

        private @Nullable String rawPayload;

        private @Nullable Instant originDate;

        private Builder(String eventTypeDefinitionId) {
            Objects.requireNonNull(eventTypeDefinitionId, "eventTypeDefinitionId");
            if (eventTypeDefinitionId.isBlank()) {
                throw new StellaNowValidationException("eventTypeDefinitionId", "must not be blank");
            }
            this.eventTypeDefinitionId = eventTypeDefinitionId;
        }

        /** Adds an entity; the first one added is the envelope key. */
        public Builder entity(String entityTypeDefinitionId, String entityId) {
            return entity(new EntityRef(entityTypeDefinitionId, entityId));
        }

        public Builder entity(EntityRef entity) {
            this.entities.add(Objects.requireNonNull(entity, "entity"));
            return this;
        }

        public Builder entities(List<EntityRef> entities) {
            entities.forEach(this::entity);
            return this;
        }

        /** The event body: any object the application's JSON mapper serializes (a record, a map, a POJO). */
        public Builder payload(Object payload) {
            this.payload = Objects.requireNonNull(payload, "payload");
            this.rawPayload = null;
            return this;
        }

        /** The event body as an already serialized JSON object, sent as it is. */
        public Builder rawPayload(String json) {
            this.rawPayload = Objects.requireNonNull(json, "json");
            this.payload = null;
            return this;
        }

        /** When the event happened; any instant, written in UTC with microsecond precision. */
        public Builder originDate(Instant originDate) {
            this.originDate = Objects.requireNonNull(originDate, "originDate");
            return this;
        }

        /**
         * @throws StellaNowValidationException (an IllegalArgumentException) when no entity was added
         */
        public StellaNowMessage build() {
            if (this.entities.isEmpty()) {
                throw new StellaNowValidationException("entities", "of event '" + this.eventTypeDefinitionId
                        + "' must hold at least one entity: the first entity is the key of the event");
            }
            return new StellaNowMessage(this);
        }
    }
}
