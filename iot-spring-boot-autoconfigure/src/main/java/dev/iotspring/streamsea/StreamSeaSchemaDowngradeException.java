package dev.iotspring.streamsea;

import java.util.List;

import org.jspecify.annotations.Nullable;

/** A schema was defined with a lower version than the one the server holds; versions only grow. */
public class StreamSeaSchemaDowngradeException extends StreamSeaValidationException {

    public StreamSeaSchemaDowngradeException(@Nullable String serverMessage) {
        super(serverMessage, List.of());
    }
}
