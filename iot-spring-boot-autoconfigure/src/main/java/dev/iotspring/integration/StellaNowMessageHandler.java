package dev.iotspring.integration;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.iotspring.stellanow.EntityRef;
import dev.iotspring.stellanow.SendResult;
import dev.iotspring.stellanow.StellaNowEvent;
import dev.iotspring.stellanow.StellaNowMessage;
import dev.iotspring.stellanow.StellaNowOperations;
import dev.iotspring.stellanow.StellaNowValidationException;

import org.springframework.messaging.Message;

/**
 * Sends each message as a StellaNow event through {@link StellaNowOperations#send(StellaNowMessage)}; the output
 * (in async mode, on the broker's PUBACK) carries the {@link SendResult}.
 *
 * <p>A {@link StellaNowMessage} payload, or an instance of a {@link StellaNowEvent} type, is sent as it is. Any
 * other payload becomes the event's body (a {@code String} or {@code byte[]} as a JSON document sent unchanged,
 * anything else serialized by the template) with the event type and entities from the handler's settings or the
 * headers {@link IotHeaders#STELLANOW_EVENT_TYPE}, {@link IotHeaders#STELLANOW_ENTITIES} and
 * {@link IotHeaders#STELLANOW_ORIGIN_DATE}.
 */
public class StellaNowMessageHandler extends IotMessageHandler<SendResult> {

    private final StellaNowOperations operations;

    private Function<Message<?>, @Nullable String> eventType = header(IotHeaders.STELLANOW_EVENT_TYPE, String.class);

    private Function<Message<?>, @Nullable Object> entities = header(IotHeaders.STELLANOW_ENTITIES, Object.class);

    public StellaNowMessageHandler(StellaNowOperations operations) {
        this.operations = Objects.requireNonNull(operations, "operations");
    }

    /** The event type of messages without a {@link IotHeaders#STELLANOW_EVENT_TYPE} header. */
    public void setEventType(String eventType) {
        this.eventType = headerOr(IotHeaders.STELLANOW_EVENT_TYPE, String.class, eventType);
    }

    /** Computes the event type from each message (the header is then not read). */
    public void setEventTypeFunction(Function<Message<?>, @Nullable String> eventType) {
        this.eventType = Objects.requireNonNull(eventType, "eventType");
    }

    /** Computes the entities from each message, the first being the key (the header is then not read). */
    public void setEntitiesFunction(Function<Message<?>, List<EntityRef>> entities) {
        Objects.requireNonNull(entities, "entities");
        this.entities = entities::apply;
    }

    @Override
    protected String platform() {
        return "stellanow";
    }

    @Override
    protected CompletableFuture<SendResult> send(Message<?> message) {
        Object payload = message.getPayload();
        if (payload instanceof StellaNowMessage event) {
            return this.operations.send(event);
        }
        if (payload.getClass().isAnnotationPresent(StellaNowEvent.class)) {
            return this.operations.send(payload);
        }
        StellaNowMessage.Builder event = StellaNowMessage
            .builder(required(this.eventType, message, IotHeaders.STELLANOW_EVENT_TYPE))
            .entities(entities(required(this.entities, message, IotHeaders.STELLANOW_ENTITIES)));
        Instant originDate = message.getHeaders().get(IotHeaders.STELLANOW_ORIGIN_DATE, Instant.class);
        if (originDate != null) {
            event.originDate(originDate);
        }
        if (payload instanceof String json) {
            event.rawPayload(json);
        }
        else if (payload instanceof byte[] json) {
            event.rawPayload(new String(json, StandardCharsets.UTF_8));
        }
        else {
            event.payload(payload);
        }
        return this.operations.send(event.build());
    }

    private static List<EntityRef> entities(Object value) {
        if (value instanceof EntityRef entity) {
            return List.of(entity);
        }
        List<EntityRef> entities = new ArrayList<>();
        if (value instanceof Map<?, ?> map) {
            map.forEach((type, id) -> entities.add(new EntityRef(String.valueOf(type), String.valueOf(id))));
            return entities;
        }
        if (value instanceof Collection<?> collection) {
            for (Object entity : collection) {
                if (!(entity instanceof EntityRef ref)) {
                    throw notEntities(entity);
                }
                entities.add(ref);
            }
            return entities;
        }
        throw notEntities(value);
    }

    private static StellaNowValidationException notEntities(@Nullable Object value) {
        return new StellaNowValidationException(IotHeaders.STELLANOW_ENTITIES, "must be a List<EntityRef>, an "
                + "EntityRef or a Map of entity type to id, was " + ((value != null) ? value.getClass().getName() : null));
    }
}
