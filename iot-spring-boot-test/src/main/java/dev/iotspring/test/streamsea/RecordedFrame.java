package dev.iotspring.test.streamsea;

import java.time.Instant;

/**
 * A text frame the emulator received on a WebSocket.
 *
 * @param connectionId the emulator's number for the socket (1 for the first socket)
 * @param receivedAt when it arrived
 * @param text the frame as sent
 */
public record RecordedFrame(int connectionId, Instant receivedAt, String text) {
}
