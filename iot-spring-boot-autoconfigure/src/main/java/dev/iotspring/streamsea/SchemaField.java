package dev.iotspring.streamsea;

import java.util.List;
import java.util.Objects;

/**
 * One field of a {@link SchemaDefinition}.
 *
 * @param name field name
 * @param type field type
 * @param enumValues allowed values, only for {@link FieldType#ENUM} (empty otherwise)
 * @param fields nested fields, only for {@link FieldType#OBJECT} and {@link FieldType#OBJECT_ARRAY} (empty
 *     otherwise)
 */
public record SchemaField(String name, FieldType type, List<String> enumValues, List<SchemaField> fields) {

    public SchemaField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        enumValues = List.copyOf(enumValues);
        fields = List.copyOf(fields);
        if (name.isBlank()) {
            throw new IllegalArgumentException("A schema field needs a name");
        }
        if (type == FieldType.ENUM && enumValues.isEmpty()) {
            throw new IllegalArgumentException("Enum field '" + name + "' needs at least one value");
        }
        if (type != FieldType.ENUM && !enumValues.isEmpty()) {
            throw new IllegalArgumentException("Only enum fields take values, but '" + name + "' is " + type.json());
        }
        if (!type.hasNestedFields() && !fields.isEmpty()) {
            throw new IllegalArgumentException(
                    "Only object and array<object> fields take nested fields, but '" + name + "' is " + type.json());
        }
    }

    public static SchemaField of(String name, FieldType type) {
        return new SchemaField(name, type, List.of(), List.of());
    }
}
