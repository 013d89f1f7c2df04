package dev.iotspring.spotflow;

import java.time.Duration;

/**
 * {@link SpotflowSender#sendMessage} waited longer than its timeout for the acknowledgement. The message is still
 * queued and will be sent when the platform is reachable.
 */
public class SpotflowSendTimeoutException extends RuntimeException {

    public SpotflowSendTimeoutException(Duration timeout, long pending) {
        super("Spotflow did not acknowledge the message within " + timeout + " (iot.spotflow.send-timeout); it stays "
                + "queued with " + pending + " message(s) pending");
    }
}
