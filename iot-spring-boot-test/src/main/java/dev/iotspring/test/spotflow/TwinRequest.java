package dev.iotspring.test.spotflow;

import java.time.Instant;

/**
 * A twin request a device published, and the status the emulated hub answered (0 when it did not answer).
 *
 * @param deviceId the device id (without workspace)
 * @param kind what the device asked for
 * @param topic the topic exactly as sent
 * @param requestId the {@code $rid}
 * @param body the payload as text (empty for a GET)
 * @param status the status of the response, 0 when none was sent
 * @param receivedAt when the broker received it
 */
public record TwinRequest(String deviceId, Kind kind, String topic, String requestId, String body, int status,
        Instant receivedAt) {

    /** Twin operations a device can publish. */
    public enum Kind {

        /** {@code $iothub/twin/GET/?$rid=...}: the full twin. */
        GET,

        /** {@code $iothub/twin/PATCH/properties/reported/?$rid=...}: a reported-properties merge patch. */
        PATCH_REPORTED
    }
}
