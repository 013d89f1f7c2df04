package dev.iotspring.streamsea;

import org.jspecify.annotations.Nullable;

/** The stream does not exist (HTTP 404), for example when describing a stream that has no schema. */
public class StreamSeaNotFoundException extends StreamSeaException {

    public StreamSeaNotFoundException(String stream, @Nullable String serverMessage) {
        super("stream-sea has no stream '" + stream + "'" + (serverMessage != null ? ": " + serverMessage : ""), 404,
                null);
    }
}
