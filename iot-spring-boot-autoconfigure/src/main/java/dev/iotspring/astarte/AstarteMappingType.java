package dev.iotspring.astarte;

import java.util.Locale;

/**
 * The value types of an Astarte mapping ({@code "type"} in interface JSON) and their Java types: double
 * {@code Double}, integer {@code Integer}, boolean {@code Boolean}, longinteger {@code Long}, string
 * {@code String}, binaryblob {@code byte[]}, datetime {@code Instant}; the array forms take a {@code List} or a
 * Java array of them.
 */
public enum AstarteMappingType {

    DOUBLE, INTEGER, BOOLEAN, LONGINTEGER, STRING, BINARYBLOB, DATETIME,
    DOUBLEARRAY, INTEGERARRAY, BOOLEANARRAY, LONGINTEGERARRAY, STRINGARRAY, BINARYBLOBARRAY, DATETIMEARRAY;

    /** The name used in interface JSON, e.g. {@code longintegerarray}. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isArray() {
        return ordinal() >= DOUBLEARRAY.ordinal();
    }

    /** The item type of an array type, or this type for a scalar. */
    public AstarteMappingType itemType() {
        return isArray() ? values()[ordinal() - DOUBLEARRAY.ordinal()] : this;
    }

    /** The type for a JSON name, or null when there is none. */
    static AstarteMappingType fromJson(String name) {
        for (AstarteMappingType type : values()) {
            if (type.jsonName().equals(name)) {
                return type;
            }
        }
        return null;
    }
}
