package dev.iotspring.test.spotflow;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A provisioning operation as the emulator holds it (a snapshot).
 *
 * @param id the {@code provisioningOperationId}
 * @param verificationCode the code an operator compares before approving
 * @param expirationTime when the operation expires unless completed
 * @param requestedDeviceId the {@code deviceId} of the init request, or null when none was requested
 * @param status where the operation stands
 * @param polls how many {@code complete} calls it received
 * @param deviceId the device id it provisions once approved (the requested one or a generated one), else null
 */
public record ProvisioningOperation(String id, String verificationCode, Instant expirationTime,
        @Nullable String requestedDeviceId, Status status, int polls, @Nullable String deviceId) {

    /** Where an operation stands. */
    public enum Status {

        /** Waiting for approval: {@code complete} answers 202. */
        PENDING,

        /** Approved: {@code complete} issues a registration token (a new one on every call). */
        APPROVED,

        /** Cancelled by the operator: {@code complete} answers 410 {@code provisioningOperationCancelled}. */
        CANCELLED,

        /** Expired (or expired on request): {@code complete} answers 410 of another type. */
        EXPIRED
    }
}
