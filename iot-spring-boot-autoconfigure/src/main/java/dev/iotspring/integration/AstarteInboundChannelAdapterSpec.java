package dev.iotspring.integration;

import dev.iotspring.astarte.AstarteDevice;

/** Builds an {@link AstarteMessageDrivenChannelAdapter}; start with {@link IotIntegration#astarteInbound}. */
public class AstarteInboundChannelAdapterSpec
        extends IotInboundChannelAdapterSpec<AstarteInboundChannelAdapterSpec, AstarteMessageDrivenChannelAdapter> {

    protected AstarteInboundChannelAdapterSpec(AstarteDevice device) {
        super(new AstarteMessageDrivenChannelAdapter(device));
    }

    /** Only data of these server-owned interfaces (all of them by default). */
    public AstarteInboundChannelAdapterSpec interfaceNames(String... interfaceNames) {
        this.target.setInterfaceNames(interfaceNames);
        return this;
    }
}
