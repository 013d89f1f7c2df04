package dev.iotspring.test.astarte;

import java.time.Instant;

/**
 * A device error the emulated Astarte reacted to as the real one does (spec §5): it disconnected the device and
 * wiped its session.
 *
 * @param deviceId the device
 * @param topic the offending publish's topic
 * @param reason what Astarte would call it, e.g. {@code invalid_introspection}, {@code undecodable_bson_payload},
 * {@code interface_not_in_introspection}
 * @param receivedAt when the publish arrived
 */
public record DeviceError(String deviceId, String topic, String reason, Instant receivedAt) {
}
