package dev.iotspring.core.config;

/**
 * A caller passed a value the platform cannot send (an empty event type, an unknown stream name, a value of
 * the wrong type for an interface path). Thrown at once by the send or request method, before anything is
 * queued; the message names the field and the rule, never a secret. Platforms subclass it where a caller
 * benefits from a narrower type.
 */
public class IotValidationException extends IllegalArgumentException {

    private final String field;

    public IotValidationException(String field, String problem) {
        super(field + " " + problem);
        this.field = field;
    }

    /** The argument or field at fault, such as {@code eventTypeDefinitionId} or {@code stream}. */
    public String getField() {
        return this.field;
    }
}
