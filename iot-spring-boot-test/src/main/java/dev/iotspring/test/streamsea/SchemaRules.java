package dev.iotspring.test.streamsea;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The emulator's schema rules: which field definitions a schema may have, and whether a payload matches
 * (types, enum membership, the date format, nested objects; unknown fields are errors, missing or null fields
 * are allowed). What the real server checks exactly is UNCONFIRMED; these rules are on the strict side.
 */
final class SchemaRules {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final Pattern DATE = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$");

    private SchemaRules() {
    }

    /** Fields are an unordered set, at every level. */
    static boolean sameFields(JsonNode stored, JsonNode defined) {
        return canonical(stored).equals(canonical(defined));
    }

    static void validateFieldDefinitions(JsonNode fields, String path, List<String> errors) {
        for (JsonNode field : fields) {
            String name = field.path("name").asString("");
            String type = field.path("type").asString("");
            String where = path + "." + name;
            if (name.isEmpty()) {
                errors.add(path + ": a field needs a name");
            }
            switch (type) {
                case "string", "float", "integer", "date", "array<string>", "array<float>", "array<integer>",
                        "array<date>" -> {
                }
                case "enum" -> {
                    if (!field.path("enum").isArray() || field.path("enum").isEmpty()) {
                        errors.add(where + ": an enum needs values");
                    }
                }
                case "object", "array<object>" -> {
                    if (!field.path("fields").isArray()) {
                        errors.add(where + ": " + type + " needs fields");
                    }
                    else {
                        validateFieldDefinitions(field.get("fields"), where, errors);
                    }
                }
                default -> errors.add(where + ": unknown type [" + type + "]");
            }
        }
    }

    static void validateObject(JsonNode fields, JsonNode value, String path, List<String> errors) {
        if (!value.isObject()) {
            errors.add(path + ": expected an object");
            return;
        }
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        fields.forEach((field) -> byName.put(field.path("name").asString(), field));
        for (String property : value.propertyNames()) {
            if (!byName.containsKey(property)) {
                errors.add(path + "." + property + ": not in the schema");
            }
        }
        byName.forEach((name, field) -> {
            JsonNode item = value.get(name);
            if (item != null && !item.isNull()) {
                validateValue(field, item, path + "." + name, errors);
            }
        });
    }

    static void validateValue(JsonNode field, JsonNode value, String path, List<String> errors) {
        String type = field.path("type").asString();
        if (type.startsWith("array<")) {
            if (!value.isArray()) {
                errors.add(path + ": expected an array");
                return;
            }
            String element = type.substring(6, type.length() - 1);
            int i = 0;
            for (JsonNode item : value) {
                String at = path + "[" + i++ + "]";
                if (element.equals("object")) {
                    validateObject(field.path("fields"), item, at, errors);
                }
                else {
                    validateScalar(element, field, item, at, errors);
                }
            }
            return;
        }
        if (type.equals("object")) {
            validateObject(field.path("fields"), value, path, errors);
            return;
        }
        validateScalar(type, field, value, path, errors);
    }

    static void validateScalar(String type, JsonNode field, JsonNode value, String path, List<String> errors) {
        boolean valid = switch (type) {
            case "string" -> value.isString();
            case "float" -> value.isNumber();
            case "integer" -> value.isIntegralNumber();
            case "date" -> value.isString() && DATE.matcher(value.asString()).matches();
            case "enum" -> value.isString() && field.path("enum").valueStream()
                .anyMatch((allowed) -> allowed.asString().equals(value.asString()));
            default -> false;
        };
        if (!valid) {
            errors.add(path + ": expected " + type + (type.equals("enum") ? " " + field.path("enum") : "") + " but got "
                    + value);
        }
    }

    /** Every level sorted by name. */
    private static JsonNode canonical(JsonNode fields) {
        List<JsonNode> sorted = new ArrayList<>();
        for (JsonNode field : fields) {
            ObjectNode copy = ((ObjectNode) field).deepCopy();
            if (copy.has("fields")) {
                copy.set("fields", canonical(copy.get("fields")));
            }
            sorted.add(copy);
        }
        sorted.sort(Comparator.comparing((JsonNode f) -> f.path("name").asString()));
        ArrayNode array = JSON.createArrayNode();
        sorted.forEach(array::add);
        return array;
    }
}
