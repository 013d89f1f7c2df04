package dev.iotspring.integration;

import dev.iotspring.stellmap.StellMapRegistry;
import dev.iotspring.stellmap.WatchOptions;

/** Builds a {@link StellMapWatchMessageDrivenChannelAdapter}; start with {@link IotIntegration#stellMapWatch}. */
public class StellMapWatchInboundChannelAdapterSpec extends
        IotInboundChannelAdapterSpec<StellMapWatchInboundChannelAdapterSpec, StellMapWatchMessageDrivenChannelAdapter> {

    protected StellMapWatchInboundChannelAdapterSpec(StellMapRegistry registry, WatchOptions options) {
        super(new StellMapWatchMessageDrivenChannelAdapter(registry, options));
    }
}
