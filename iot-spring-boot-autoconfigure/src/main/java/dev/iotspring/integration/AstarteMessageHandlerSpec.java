package dev.iotspring.integration;

import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.iotspring.astarte.AstarteDevice;

import org.springframework.messaging.Message;

/** Builds an {@link AstarteMessageHandler}; start with {@link IotIntegration#astarte}. */
public class AstarteMessageHandlerSpec extends IotMessageHandlerSpec<AstarteMessageHandlerSpec, AstarteMessageHandler> {

    protected AstarteMessageHandlerSpec(AstarteDevice device) {
        super(new AstarteMessageHandler(device));
    }

    /** The interface of messages without a {@link IotHeaders#ASTARTE_INTERFACE} header. */
    public AstarteMessageHandlerSpec interfaceName(String interfaceName) {
        this.target.setInterfaceName(interfaceName);
        return this;
    }

    /** The interface computed from each message. */
    public AstarteMessageHandlerSpec interfaceName(Function<Message<?>, @Nullable String> interfaceName) {
        this.target.setInterfaceNameFunction(interfaceName);
        return this;
    }

    /** The path of messages without a {@link IotHeaders#ASTARTE_PATH} header. */
    public AstarteMessageHandlerSpec path(String path) {
        this.target.setPath(path);
        return this;
    }

    /** The path computed from each message. */
    public AstarteMessageHandlerSpec path(Function<Message<?>, @Nullable String> path) {
        this.target.setPathFunction(path);
        return this;
    }
}
