package dev.iotspring.spotflow;

/** Where the device is on its way to MQTT credentials; shown in the health details. */
public enum SpotflowProvisioningState {

    /** Not started yet. */
    NEW,

    /** Starting a provisioning operation (retried while the API is unreachable). */
    PROVISIONING,

    /** A provisioning operation waits for an operator's approval in the portal. */
    AWAITING_APPROVAL,

    /** Registered: MQTT credentials are current. */
    REGISTERED,

    /** Started from stored credentials while the provisioning API could not be reached; registration is retried. */
    OFFLINE,

    /** A permanent error (invalid provisioning token, operation cancelled): nothing is retried. */
    FAILED,

    /** Stopped with the application. */
    STOPPED
}
