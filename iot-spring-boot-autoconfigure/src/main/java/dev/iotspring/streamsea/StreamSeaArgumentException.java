package dev.iotspring.streamsea;

import dev.iotspring.core.config.IotValidationException;

/**
 * An argument of a stream-sea call is invalid; {@link #getField()} names it ({@code stream}, {@code payload},
 * {@code groupId}, ...). Thrown at once, nothing is queued or sent.
 */
public class StreamSeaArgumentException extends IotValidationException {

    public StreamSeaArgumentException(String field, String problem) {
        super(field, problem);
    }

    static String requireStream(String stream) {
        if (stream == null || stream.isBlank()) {
            throw new StreamSeaArgumentException("stream", "must be a stream name but was "
                    + ((stream == null) ? "null" : "blank"));
        }
        return stream;
    }
}
