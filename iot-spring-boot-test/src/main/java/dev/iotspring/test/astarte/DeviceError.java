package dev.iotspring.test.astarte;

import java.time.Instant;

/**
 * A device error the emulated Astarte reacted to as the real one does (spec §5): it disconnected the device and
 * wiped its session (only disconnected it for {@code max_message_size_exceeded}, a broker limit: a payload over
 * 65535 bytes, which Astarte never sees).
 *
 * @param deviceId the device
 * @param topic the offending publish's topic
 * @param reason what Astarte would call it, e.g. {@code invalid_introspection}, {@code undecodable_bson_payload},
 * {@code interface_not_in_introspection}, {@code write_on_server_owned_interface}, {@code unset_on_datastream},
 * {@code invalid_purge_properties_payload}, {@code max_message_size_exceeded}
 * @param receivedAt when the publish arrived
 */
public record DeviceError(String deviceId, String topic, String reason, Instant receivedAt) {
}
