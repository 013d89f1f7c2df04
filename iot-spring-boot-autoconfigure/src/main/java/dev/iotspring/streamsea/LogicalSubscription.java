package dev.iotspring.streamsea;

import reactor.core.publisher.Sinks;
import tools.jackson.databind.JsonNode;

/**
 * One subscriber of a {@link StreamSeaConnection#subscribe} Flux: sent as a {@code subscribe} frame on every
 * socket until it is cancelled; its deliveries wait in the sink until the subscriber requests them.
 */
final class LogicalSubscription {

    final String stream;

    final GroupMode mode;

    final Sinks.Many<JsonNode> sink = Sinks.many().unicast().onBackpressureBuffer();

    volatile boolean cancelled;

    LogicalSubscription(String stream, GroupMode mode) {
        this.stream = stream;
        this.mode = mode;
    }
}
