package dev.iotspring.integration;

import java.util.List;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.iotspring.stellanow.EntityRef;
import dev.iotspring.stellanow.StellaNowOperations;

import org.springframework.messaging.Message;

/** Builds a {@link StellaNowMessageHandler}; start with {@link IotIntegration#stellaNow}. */
public class StellaNowMessageHandlerSpec extends IotMessageHandlerSpec<StellaNowMessageHandlerSpec, StellaNowMessageHandler> {

    protected StellaNowMessageHandlerSpec(StellaNowOperations operations) {
        super(new StellaNowMessageHandler(operations));
    }

    /** The event type of messages without a {@link IotHeaders#STELLANOW_EVENT_TYPE} header. */
    public StellaNowMessageHandlerSpec eventType(String eventType) {
        this.target.setEventType(eventType);
        return this;
    }

    /** The event type computed from each message. */
    public StellaNowMessageHandlerSpec eventType(Function<Message<?>, @Nullable String> eventType) {
        this.target.setEventTypeFunction(eventType);
        return this;
    }

    /** The entities computed from each message, the first being the event's key. */
    public StellaNowMessageHandlerSpec entities(Function<Message<?>, List<EntityRef>> entities) {
        this.target.setEntitiesFunction(entities);
        return this;
    }
}
