package dev.iotspring.stellanow;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.config.IotValidationException;

/**
 * An event StellaNow cannot take: a blank event type or entity id, no entity, a payload that does not serialize
 * to a JSON object, a type without {@link StellaNowEvent}. Thrown by the message builder or by
 * {@link StellaNowOperations#send} before anything is queued; {@link #getField()} names the field at fault.
 */
public class StellaNowValidationException extends IotValidationException {

    public StellaNowValidationException(String field, String problem) {
        super(field, problem);
    }

    public StellaNowValidationException(String field, String problem, @Nullable Throwable cause) {
        super(field, problem);
        if (cause != null) {
            initCause(cause);
        }
    }
}
