package dev.iotspring.stellanow;

import java.time.Instant;

/**
 * What the broker acknowledged: the message, where it went and when the acknowledgement (PUBACK) arrived.
 *
 * @param messageId the envelope's messageId
 * @param topic the MQTT topic, {@code in/{organizationId}}
 * @param acceptedAt when the template accepted the message
 * @param acknowledgedAt when the broker acknowledged it
 */
public record SendResult(String messageId, String topic, Instant acceptedAt, Instant acknowledgedAt) {
}
