package dev.iotspring.spotflow;

/**
 * A message or option the caller gave cannot be sent; thrown at once and nothing is queued. The message names
 * the field; payload bytes are never part of it.
 */
public class SpotflowValidationException extends IllegalArgumentException {

    private final String field;

    public SpotflowValidationException(String field, String problem) {
        super("Invalid Spotflow " + field + ": " + problem);
        this.field = field;
    }

    /** The option or argument that is wrong, e.g. {@code batchId}. */
    public String getField() {
        return this.field;
    }
}
