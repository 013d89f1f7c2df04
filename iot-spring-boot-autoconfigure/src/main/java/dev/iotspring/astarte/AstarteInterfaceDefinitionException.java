package dev.iotspring.astarte;

/**
 * An interface definition (JSON) that Astarte would refuse to install; names the file and the field.
 */
public class AstarteInterfaceDefinitionException extends IllegalArgumentException {

    private final String source;

    private final String field;

    public AstarteInterfaceDefinitionException(String source, String field, String problem) {
        super("Astarte interface " + source + ", field " + field + ": " + problem);
        this.source = source;
        this.field = field;
    }

    /** The file (or other source) the definition came from. */
    public String getSource() {
        return this.source;
    }

    /** The JSON field at fault, e.g. {@code mappings[1].endpoint}. */
    public String getField() {
        return this.field;
    }
}
