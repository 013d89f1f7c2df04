package dev.iotspring.spotflow;

import java.time.Instant;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A provisioning operation waiting for an operator to approve the device in the Spotflow portal, identified there
 * by its verification code.
 *
 * @param id the provisioning operation id
 * @param verificationCode the code the operator compares before approving
 * @param expirationTime when the operation expires, if the platform said
 */
public record SpotflowProvisioningOperation(String id, String verificationCode, @Nullable Instant expirationTime) {

    public SpotflowProvisioningOperation {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(verificationCode, "verificationCode");
    }
}
