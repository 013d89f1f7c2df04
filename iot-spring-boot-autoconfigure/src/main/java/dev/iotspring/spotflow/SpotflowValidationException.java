package dev.iotspring.spotflow;

import dev.iotspring.core.config.IotValidationException;

/**
 * A message or option the caller gave cannot be sent; thrown at once and nothing is queued. The message names
 * the field; payload bytes are never part of it.
 */
public class SpotflowValidationException extends IotValidationException {

    public SpotflowValidationException(String field, String problem) {
        super(field, problem);
    }
}
