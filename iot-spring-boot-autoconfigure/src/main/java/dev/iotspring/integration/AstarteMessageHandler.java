package dev.iotspring.integration;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.iotspring.astarte.AstarteDevice;

import org.springframework.messaging.Message;

/**
 * Sends each payload on one of the device's interfaces through {@link AstarteDevice}: interface and path from the
 * handler's settings or the {@link IotHeaders#ASTARTE_INTERFACE} and {@link IotHeaders#ASTARTE_PATH} headers, an
 * explicit timestamp from {@link IotHeaders#ASTARTE_TIMESTAMP}. A {@code Map} payload is an object aggregate
 * ({@link AstarteDevice#sendAggregate}); with {@link IotHeaders#ASTARTE_PROPERTY} true the payload sets a device
 * property ({@link AstarteDevice#setProperty}); anything else is an individual datastream value
 * ({@link AstarteDevice#send}). A value the interface does not allow throws at once
 * ({@code AstarteValidationException}), as the device does. The output carries the original payload.
 */
public class AstarteMessageHandler extends IotMessageHandler<Void> {

    private final AstarteDevice device;

    private Function<Message<?>, @Nullable String> interfaceName = header(IotHeaders.ASTARTE_INTERFACE, String.class);

    private Function<Message<?>, @Nullable String> path = header(IotHeaders.ASTARTE_PATH, String.class);

    public AstarteMessageHandler(AstarteDevice device) {
        this.device = Objects.requireNonNull(device, "device");
    }

    /** The interface of messages without a {@link IotHeaders#ASTARTE_INTERFACE} header. */
    public void setInterfaceName(String interfaceName) {
        this.interfaceName = headerOr(IotHeaders.ASTARTE_INTERFACE, String.class, interfaceName);
    }

    /** Computes the interface from each message (the header is then not read). */
    public void setInterfaceNameFunction(Function<Message<?>, @Nullable String> interfaceName) {
        this.interfaceName = Objects.requireNonNull(interfaceName, "interfaceName");
    }

    /** The path of messages without a {@link IotHeaders#ASTARTE_PATH} header. */
    public void setPath(String path) {
        this.path = headerOr(IotHeaders.ASTARTE_PATH, String.class, path);
    }

    /** Computes the path from each message (the header is then not read). */
    public void setPathFunction(Function<Message<?>, @Nullable String> path) {
        this.path = Objects.requireNonNull(path, "path");
    }

    @Override
    protected String platform() {
        return "astarte";
    }

    @Override
    protected CompletableFuture<Void> send(Message<?> message) {
        String iface = required(this.interfaceName, message, IotHeaders.ASTARTE_INTERFACE);
        String where = required(this.path, message, IotHeaders.ASTARTE_PATH);
        Object payload = message.getPayload();
        Instant timestamp = message.getHeaders().get(IotHeaders.ASTARTE_TIMESTAMP, Instant.class);
        if (Boolean.TRUE.equals(message.getHeaders().get(IotHeaders.ASTARTE_PROPERTY, Boolean.class))) {
            return this.device.setProperty(iface, where, payload);
        }
        if (payload instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Map<String, ?> values = (Map<String, ?>) map;
            return (timestamp != null) ? this.device.sendAggregate(iface, where, values, timestamp)
                    : this.device.sendAggregate(iface, where, values);
        }
        return (timestamp != null) ? this.device.send(iface, where, payload, timestamp)
                : this.device.send(iface, where, payload);
    }
}
