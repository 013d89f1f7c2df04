package dev.iotspring.test.spotflow;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.iotspring.test.spotflow.DeviceRegistry.IssuedToken;
import dev.iotspring.test.spotflow.ProvisioningOperation.Status;

/**
 * Provisioning operations and their approval (spec §2, §12): pending until approved by the test (or
 * automatically, possibly after some polls), cancelled or expired; an approved operation issues a new
 * registration token on every {@code complete}.
 */
final class ProvisioningState {

    static final String CANCELLED_TYPE = "/problems/deviceProvisioning/provisioningOperationCancelled";

    /** Not the platform's text (UNCONFIRMED); clients must only tell "cancelled" from any other 410. */
    static final String EXPIRED_TYPE = "/problems/deviceProvisioning/provisioningOperationExpired";

    static final String NOT_FOUND_TYPE = "/problems/deviceProvisioning/provisioningOperationNotFound";

    private static final SecureRandom RANDOM = new SecureRandom();

    private static final String CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    private final Clock clock;

    private final DeviceRegistry registry;

    private final Monitor monitor;

    private final Map<String, Operation> operations = new LinkedHashMap<>();

    private volatile Duration operationLifetime;

    /** Polls after which an operation approves itself; negative: only manual approval. */
    private volatile int autoApproveAfterPolls;

    private int generatedDevices;

    ProvisioningState(Clock clock, DeviceRegistry registry, Monitor monitor, Duration operationLifetime,
            int autoApproveAfterPolls) {
        this.clock = clock;
        this.registry = registry;
        this.monitor = monitor;
        this.operationLifetime = operationLifetime;
        this.autoApproveAfterPolls = autoApproveAfterPolls;
    }

    void operationLifetime(Duration lifetime) {
        this.operationLifetime = lifetime;
    }

    void autoApproveAfterPolls(int polls) {
        this.autoApproveAfterPolls = polls;
    }

    /** {@code init}: a new pending operation. */
    synchronized ProvisioningOperation init(@Nullable String requestedDeviceId) {
        Operation operation = new Operation(UUID.randomUUID().toString(), verificationCode(),
                this.clock.instant().plus(this.operationLifetime), requestedDeviceId);
        this.operations.put(operation.id, operation);
        if (this.autoApproveAfterPolls == 0) {
            approve(operation);
        }
        this.monitor.changed();
        return operation.snapshot();
    }

    /**
     * {@code complete}: a registration token once approved, {@code null} while pending (202).
     * @throws ProblemException 410 when cancelled, expired or unknown
     */
    synchronized @Nullable IssuedToken complete(String operationId) {
        Operation operation = this.operations.get(operationId);
        if (operation == null) {
            throw new ProblemException(410, NOT_FOUND_TYPE, "Provisioning operation not found",
                    "No provisioning operation " + operationId);
        }
        operation.polls++;
        if (operation.status == Status.PENDING && !operation.expiration.isAfter(this.clock.instant())) {
            operation.status = Status.EXPIRED;
        }
        if (operation.status == Status.PENDING && this.autoApproveAfterPolls >= 0
                && operation.polls > this.autoApproveAfterPolls) {
            approve(operation);
        }
        this.monitor.changed();
        return switch (operation.status) {
            case PENDING -> null;
            case APPROVED -> this.registry.issueRegistrationToken(operation.deviceId);
            case CANCELLED -> throw new ProblemException(410, CANCELLED_TYPE, "Provisioning operation cancelled",
                    "Provisioning operation " + operationId + " was cancelled");
            case EXPIRED -> throw new ProblemException(410, EXPIRED_TYPE, "Provisioning operation expired",
                    "Provisioning operation " + operationId + " expired at " + operation.expiration);
        };
    }

    /** Approves a pending operation; returns the device id it provisions. */
    synchronized String approve(String operationId) {
        Operation operation = require(operationId);
        if (operation.status != Status.PENDING && operation.status != Status.APPROVED) {
            throw new IllegalStateException("Operation " + operationId + " is " + operation.status);
        }
        approve(operation);
        this.monitor.changed();
        return operation.deviceId;
    }

    synchronized void close(String operationId, Status status) {
        require(operationId).status = status;
        this.monitor.changed();
    }

    synchronized List<ProvisioningOperation> operations() {
        return this.operations.values().stream().map(Operation::snapshot).toList();
    }

    private void approve(Operation operation) {
        if (operation.deviceId == null) {
            operation.deviceId = (operation.requestedDeviceId != null) ? operation.requestedDeviceId
                    : "device-" + (++this.generatedDevices);
        }
        operation.status = Status.APPROVED;
    }

    private Operation require(String operationId) {
        Operation operation = this.operations.get(operationId);
        if (operation == null) {
            throw new IllegalArgumentException("No provisioning operation " + operationId + "; known: "
                    + new ArrayList<>(this.operations.keySet()));
        }
        return operation;
    }

    private static String verificationCode() {
        StringBuilder code = new StringBuilder(9);
        for (int i = 0; i < 8; i++) {
            if (i == 4) {
                code.append('-');
            }
            code.append(CODE_ALPHABET.charAt(RANDOM.nextInt(CODE_ALPHABET.length())));
        }
        return code.toString();
    }

    private static final class Operation {

        final String id;

        final String verificationCode;

        final Instant expiration;

        final @Nullable String requestedDeviceId;

        Status status = Status.PENDING;

        int polls;

        @Nullable String deviceId;

        Operation(String id, String verificationCode, Instant expiration, @Nullable String requestedDeviceId) {
            this.id = id;
            this.verificationCode = verificationCode;
            this.expiration = expiration;
            this.requestedDeviceId = requestedDeviceId;
        }

        ProvisioningOperation snapshot() {
            return new ProvisioningOperation(this.id, this.verificationCode, this.expiration,
                    this.requestedDeviceId, this.status, this.polls, this.deviceId);
        }
    }
}
