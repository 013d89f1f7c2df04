package dev.iotspring.integration;

import java.util.Objects;
import java.util.Set;

import reactor.core.publisher.Flux;

import dev.iotspring.astarte.AstarteDevice;
import dev.iotspring.astarte.AstarteServerEvent;

import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.Message;

/**
 * Sends what Astarte writes to the device's server-owned interfaces to the output channel while running (from
 * {@link AstarteDevice#receive()}, which is hot: data that arrived while the adapter was stopped is not replayed).
 * Payload: the value in the mapping's Java type (a {@code Map} for an object aggregate), or
 * {@link AstarteUnset#INSTANCE} for an unset property; headers {@link IotHeaders#ASTARTE_INTERFACE},
 * {@link IotHeaders#ASTARTE_PATH}, {@link IotHeaders#ASTARTE_UNSET} and, when Astarte sent one,
 * {@link IotHeaders#ASTARTE_TIMESTAMP}. See {@link IotMessageDrivenChannelAdapter} for a slow output channel.
 */
public class AstarteMessageDrivenChannelAdapter extends IotMessageDrivenChannelAdapter<AstarteServerEvent> {

    private final AstarteDevice device;

    private Set<String> interfaceNames = Set.of();

    public AstarteMessageDrivenChannelAdapter(AstarteDevice device) {
        this.device = Objects.requireNonNull(device, "device");
    }

    /** Only data of these interfaces (every server-owned interface when none is given). */
    public void setInterfaceNames(String... interfaceNames) {
        this.interfaceNames = Set.of(interfaceNames);
    }

    @Override
    protected String platform() {
        return "astarte";
    }

    @Override
    protected Flux<AstarteServerEvent> source() {
        Set<String> wanted = this.interfaceNames;
        return this.device.receive().filter((e) -> wanted.isEmpty() || wanted.contains(e.interfaceName()));
    }

    @Override
    protected Message<?> toMessage(AstarteServerEvent event) {
        Object value = event.value();
        return MessageBuilder.withPayload((event.isUnset() || value == null) ? AstarteUnset.INSTANCE : value)
            .setHeader(IotHeaders.ASTARTE_INTERFACE, event.interfaceName())
            .setHeader(IotHeaders.ASTARTE_PATH, event.path())
            .setHeader(IotHeaders.ASTARTE_UNSET, event.isUnset())
            .setHeader(IotHeaders.ASTARTE_TIMESTAMP, event.timestamp())
            .build();
    }
}
