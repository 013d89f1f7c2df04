package dev.iotspring.streamsea;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The schema of a stream: its name, an integer version that only ever grows, and its fields (an unordered
 * set). Build one with {@link #builder(String, int)}:
 *
 * <pre>{@code
 * SchemaDefinition schema = SchemaDefinition.builder("berth_events", 3)
 *     .field("berthId", FieldType.STRING)
 *     .field("draft", FieldType.FLOAT)
 *     .field("eta", FieldType.DATE)
 *     .enumField("side", "port", "starboard")
 *     .objectArrayField("moves", (moves) -> moves.field("kind", FieldType.STRING).field("count", FieldType.INTEGER))
 *     .build();
 * }</pre>
 *
 * @param name stream name
 * @param version schema version
 * @param fields the fields
 */
public record SchemaDefinition(String name, int version, List<SchemaField> fields) {

    public SchemaDefinition {
        Objects.requireNonNull(name, "name");
        fields = List.copyOf(fields);
        if (name.isBlank()) {
            throw new IllegalArgumentException("A schema needs the stream name");
        }
        if (version < 0) {
            throw new IllegalArgumentException("A schema version cannot be negative but was " + version);
        }
        requireUniqueNames(name, fields);
    }

    public static Builder builder(String name, int version) {
        return new Builder(name, version);
    }

    private static void requireUniqueNames(String owner, List<SchemaField> fields) {
        Set<String> names = new HashSet<>();
        for (SchemaField field : fields) {
            if (!names.add(field.name())) {
                throw new IllegalArgumentException("Field '" + field.name() + "' appears twice in '" + owner + "'");
            }
            requireUniqueNames(field.name(), field.fields());
        }
    }

    /** Builds the fields of a schema or of a nested object. */
    public static class Fields<B extends Fields<B>> {

        final List<SchemaField> fields = new ArrayList<>();

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /** Adds a field of a scalar or scalar-array type. */
        public B field(String name, FieldType type) {
            if (type == FieldType.ENUM || type.hasNestedFields()) {
                throw new IllegalArgumentException("Use enumField, objectField or objectArrayField for " + type.json());
            }
            this.fields.add(SchemaField.of(name, type));
            return self();
        }

        public B enumField(String name, String... values) {
            this.fields.add(new SchemaField(name, FieldType.ENUM, Arrays.asList(values), List.of()));
            return self();
        }

        public B objectField(String name, Consumer<NestedFields> nested) {
            return nested(name, FieldType.OBJECT, nested);
        }

        public B objectArrayField(String name, Consumer<NestedFields> nested) {
            return nested(name, FieldType.OBJECT_ARRAY, nested);
        }

        private B nested(String name, FieldType type, Consumer<NestedFields> nested) {
            NestedFields children = new NestedFields();
            nested.accept(children);
            this.fields.add(new SchemaField(name, type, List.of(), children.fields));
            return self();
        }
    }

    /** Fields of a nested object. */
    public static final class NestedFields extends Fields<NestedFields> {

        NestedFields() {
        }
    }

    public static final class Builder extends Fields<Builder> {

        private final String name;

        private final int version;

        Builder(String name, int version) {
            this.name = name;
            this.version = version;
        }

        public SchemaDefinition build() {
            return new SchemaDefinition(this.name, this.version, this.fields);
        }
    }
}
