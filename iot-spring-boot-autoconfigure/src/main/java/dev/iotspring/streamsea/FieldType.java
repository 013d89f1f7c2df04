package dev.iotspring.streamsea;

import java.util.Arrays;

/** The field types of a stream-sea schema, with the JSON {@code type} string the server uses. */
public enum FieldType {

    STRING("string"), FLOAT("float"), INTEGER("integer"),
    /** UTC timestamp such as {@code 2020-06-01T08:30:00Z}. */
    DATE("date"),
    STRING_ARRAY("array<string>"), FLOAT_ARRAY("array<float>"), INTEGER_ARRAY("array<integer>"),
    DATE_ARRAY("array<date>"),
    /** One of the field's {@link SchemaField#enumValues() values}. */
    ENUM("enum"),
    /** A nested object with its own {@link SchemaField#fields() fields}. */
    OBJECT("object"),
    /** An array of nested objects with their own {@link SchemaField#fields() fields}. */
    OBJECT_ARRAY("array<object>");

    private final String json;

    FieldType(String json) {
        this.json = json;
    }

    /** The value of the field's {@code type} key on the wire. */
    public String json() {
        return this.json;
    }

    /** Whether fields of this type carry nested fields. */
    public boolean hasNestedFields() {
        return this == OBJECT || this == OBJECT_ARRAY;
    }

    public static FieldType fromJson(String json) {
        return Arrays.stream(values())
            .filter((type) -> type.json.equals(json))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("Unknown stream-sea field type '" + json + "'"));
    }
}
