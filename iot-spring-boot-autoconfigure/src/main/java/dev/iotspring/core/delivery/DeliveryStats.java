package dev.iotspring.core.delivery;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A snapshot of a {@link Dispatcher}'s counters, for health details and metrics.
 *
 * @param platform platform name (meter tag)
 * @param state lifecycle state
 * @param ready whether the sender reported ready when the snapshot was taken
 * @param durable whether the queue survives a restart
 * @param queueSize messages accepted and not acknowledged (queued plus in flight)
 * @param inFlight messages handed to the sender and not acknowledged yet
 * @param sent messages acknowledged since start
 * @param failed messages rejected by the server (not retried)
 * @param dropped messages discarded by the queue's overflow rule
 * @param expired messages discarded because their expiry passed before they could be sent
 * @param lost messages an in-memory queue still held when the drain ended
 * @param retries transient send failures (each one requeued the failed message and those after it)
 * @param lastAck time of the last acknowledgement, null before the first
 */
public record DeliveryStats(String platform, Dispatcher.State state, boolean ready, boolean durable, int queueSize,
        int inFlight, long sent, long failed, long dropped, long expired, long lost, long retries,
        @Nullable Instant lastAck) {
}
