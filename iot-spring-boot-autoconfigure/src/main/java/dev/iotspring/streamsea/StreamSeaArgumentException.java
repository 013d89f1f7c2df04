package dev.iotspring.streamsea;

/**
 * An argument of a stream-sea call is invalid; {@link #getField()} names it. Thrown at once, nothing is queued
 * or sent.
 */
public class StreamSeaArgumentException extends IllegalArgumentException {

    private final String field;

    public StreamSeaArgumentException(String field, String problem) {
        super(field + " " + problem);
        this.field = field;
    }

    /** The argument that is invalid, e.g. {@code stream} or {@code payload}. */
    public String getField() {
        return this.field;
    }

    static String requireStream(String stream) {
        if (stream == null || stream.isBlank()) {
            throw new StreamSeaArgumentException("stream", "must be a stream name but was "
                    + ((stream == null) ? "null" : "blank"));
        }
        return stream;
    }
}
