package dev.iotspring.spotflow;

/**
 * Told when the device started a provisioning operation that an operator must approve (show the verification
 * code on a display, send it to a ticket system). Without such a bean the operation is logged at INFO. Called on
 * the provisioning thread; keep it short.
 */
@FunctionalInterface
public interface SpotflowProvisioningListener {

    void provisioningStarted(SpotflowProvisioningOperation operation);
}
