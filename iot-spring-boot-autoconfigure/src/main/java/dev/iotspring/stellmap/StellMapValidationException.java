package dev.iotspring.stellmap;

import dev.iotspring.core.config.IotValidationException;

/**
 * An argument the registry cannot accept, found before anything is sent: the message names the field and the
 * rule, e.g. {@code service 'a/b' must not contain '/' ...}; {@link #getField()} is the field.
 */
public class StellMapValidationException extends IotValidationException {

    public StellMapValidationException(String field, String problem) {
        super(field, problem);
    }
}
