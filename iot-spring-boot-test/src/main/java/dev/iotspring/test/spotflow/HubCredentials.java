package dev.iotspring.test.spotflow;

/**
 * What a device needs to open its own MQTT connection to the emulator's hub side without the HTTP API: the
 * client id, the user name and the SAS token (the password), as {@code register} would hand them out.
 *
 * @param hubHostName the {@code iotHubHostName}
 * @param hubDeviceId {@code <workspaceId>:<deviceId>}, the MQTT client id
 * @param username {@code <hub>/<hubDeviceId>/?api-version=2018-06-30}
 * @param sas the SAS token, the MQTT password
 */
public record HubCredentials(String hubHostName, String hubDeviceId, String username, String sas) {

    /** The topic of this device's stream messages with the given (already encoded) property bag. */
    public String streamTopic(String propertyBag) {
        return IotHubSide.eventsPrefix(this.hubDeviceId) + propertyBag;
    }

    @Override
    public String toString() {
        return "HubCredentials[" + this.hubDeviceId + " on " + this.hubHostName + "]";
    }
}
