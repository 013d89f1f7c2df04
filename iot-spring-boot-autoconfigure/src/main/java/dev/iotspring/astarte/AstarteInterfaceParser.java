package dev.iotspring.astarte;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.astarte.AstarteInterface.Aggregation;
import dev.iotspring.astarte.AstarteInterface.Ownership;
import dev.iotspring.astarte.AstarteInterface.Type;
import dev.iotspring.astarte.AstarteMapping.Reliability;
import dev.iotspring.astarte.AstarteMapping.Retention;

/**
 * Reads an interface JSON definition and applies the rules Astarte's interface schema and server apply
 * (spec §11.1), so a definition the platform would refuse fails at startup instead of on the wire.
 */
final class AstarteInterfaceParser {

    private static final Pattern NAME = Pattern
        .compile("^([a-zA-Z][a-zA-Z0-9]*\\.([a-zA-Z0-9][a-zA-Z0-9-]*\\.)*)?[a-zA-Z][a-zA-Z0-9]*$");

    private static final Pattern ENDPOINT = Pattern
        .compile("^(/(%\\{([a-zA-Z_][a-zA-Z0-9_]*)\\}|[a-zA-Z_][a-zA-Z0-9_]*)){1,64}$");

    private static final Set<String> RESERVED_NAMES = Set.of("astarte", "control", "device");

    private static final Set<String> DATASTREAM_ONLY = Set.of("reliability", "retention", "expiry",
            "explicit_timestamp", "database_retention_policy", "database_retention_ttl");

    /** 20 years in seconds: database_retention_ttl must stay below it. */
    private static final long TWENTY_YEARS = 20L * 365 * 24 * 3600;

    private final JsonMapper mapper;

    AstarteInterfaceParser(JsonMapper mapper) {
        this.mapper = mapper;
    }

    AstarteInterface parse(String source, byte[] json) {
        JsonNode root;
        try {
            root = this.mapper.readTree(json);
        }
        catch (JacksonException ex) {
            throw new AstarteInterfaceDefinitionException(source, "(document)",
                    "not valid JSON: " + ex.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new AstarteInterfaceDefinitionException(source, "(document)", "must be a JSON object");
        }
        Def d = new Def(source, root, "");
        String name = d.requiredString("interface_name");
        if (name.length() > 128 || !NAME.matcher(name).matches() || RESERVED_NAMES.contains(name)) {
            throw d.fail("interface_name", "'" + name + "' is not a valid interface name (reverse domain notation "
                    + "of letters and digits, at most 128 characters, not astarte/control/device)");
        }
        source = source + " (" + name + ")";
        d = new Def(source, root, "");
        int major = d.nonNegativeInt("version_major", null);
        int minor = d.nonNegativeInt("version_minor", null);
        if (major == 0 && minor == 0) {
            throw d.fail("version_minor", "version_major and version_minor cannot both be 0");
        }
        Type type = d.enumValue("type", Type.class, null);
        Ownership ownership = d.enumValue(root.has("ownership") ? "ownership" : "quality", Ownership.class, null);
        Aggregation aggregation;
        if (root.has("aggregation")) {
            aggregation = d.enumValue("aggregation", Aggregation.class, Aggregation.INDIVIDUAL);
        }
        else if (root.has("aggregate")) {
            aggregation = d.bool("aggregate", false) ? Aggregation.OBJECT : Aggregation.INDIVIDUAL;
        }
        else {
            aggregation = Aggregation.INDIVIDUAL;
        }
        if (type == Type.PROPERTIES && aggregation == Aggregation.OBJECT) {
            throw d.fail("aggregation", "a properties interface cannot be an object aggregate");
        }
        d.maxLength("description", 1000);
        d.maxLength("doc", 100000);
        JsonNode mappingsNode = root.get("mappings");
        if (mappingsNode == null || !mappingsNode.isArray() || mappingsNode.isEmpty()) {
            throw d.fail("mappings", "must be an array of 1 to 1024 mappings");
        }
        if (mappingsNode.size() > 1024) {
            throw d.fail("mappings", "has " + mappingsNode.size() + " mappings, at most 1024 are allowed");
        }
        List<AstarteMapping> mappings = new ArrayList<>();
        int i = 0;
        for (JsonNode m : mappingsNode.values()) {
            mappings.add(mapping(new Def(source, m, "mappings[" + i + "]."), type, aggregation));
            i++;
        }
        checkEndpoints(source, mappings);
        if (aggregation == Aggregation.OBJECT) {
            checkObject(source, mappings);
        }
        return new AstarteInterface(name, major, minor, type, ownership, aggregation, mappings);
    }

    private AstarteMapping mapping(Def d, Type type, Aggregation aggregation) {
        if (!d.node.isObject()) {
            throw d.fail("", "must be a JSON object");
        }
        String key = (d.node.has("path") && !d.node.has("endpoint")) ? "path" : "endpoint";
        String endpoint = d.requiredString(key);
        if (endpoint.length() < 2 || endpoint.length() > 256 || !ENDPOINT.matcher(endpoint).matches()) {
            throw d.fail(key, "'" + endpoint + "' is not a valid endpoint (2 to 256 characters, 1 to 64 segments "
                    + "'/name' or '/%{parameter}' of letters, digits and '_')");
        }
        String typeName = d.requiredString("type");
        AstarteMappingType valueType = AstarteMappingType.fromJson(typeName);
        if (valueType == null) {
            throw d.fail("type", "'" + typeName + "' is not an Astarte type");
        }
        if (type == Type.PROPERTIES) {
            for (String field : DATASTREAM_ONLY) {
                if (d.node.has(field)) {
                    throw d.fail(field, "is only allowed in datastream interfaces");
                }
            }
        }
        else if (d.node.has("allow_unset")) {
            throw d.fail("allow_unset", "is only allowed in properties interfaces");
        }
        if (d.node.has("required") && aggregation != Aggregation.OBJECT) {
            throw d.fail("required", "is only allowed in object aggregated interfaces");
        }
        Reliability reliability = d.enumValue("reliability", Reliability.class, Reliability.UNRELIABLE);
        Retention retention = d.enumValue("retention", Retention.class, Retention.DISCARD);
        long expiry = d.nonNegativeInt("expiry", 0);
        String dbPolicy = d.optionalString("database_retention_policy", "no_ttl");
        if (!dbPolicy.equals("no_ttl") && !dbPolicy.equals("use_ttl")) {
            throw d.fail("database_retention_policy", "must be no_ttl or use_ttl but was '" + dbPolicy + "'");
        }
        if (d.node.has("database_retention_ttl")) {
            if (!dbPolicy.equals("use_ttl")) {
                throw d.fail("database_retention_ttl", "is only allowed with database_retention_policy use_ttl");
            }
            long ttl = d.nonNegativeInt("database_retention_ttl", null);
            if (ttl < 60 || ttl >= TWENTY_YEARS) {
                throw d.fail("database_retention_ttl", "must be at least 60 seconds and less than 20 years");
            }
        }
        d.maxLength("description", 1000);
        d.maxLength("doc", 100000);
        return new AstarteMapping(endpoint, valueType, (type == Type.PROPERTIES) ? Reliability.UNIQUE : reliability,
                d.bool("explicit_timestamp", false), retention, Duration.ofSeconds(expiry), d.bool("allow_unset", false),
                d.bool("required", false));
    }

    /** No two endpoints may resolve to the same path, and none to a prefix of another (030-interface.md). */
    private static void checkEndpoints(String source, List<AstarteMapping> mappings) {
        for (int a = 0; a < mappings.size(); a++) {
            List<String> sa = mappings.get(a).segments();
            for (int b = a + 1; b < mappings.size(); b++) {
                List<String> sb = mappings.get(b).segments();
                int common = Math.min(sa.size(), sb.size());
                boolean overlap = true;
                for (int i = 0; i < common && overlap; i++) {
                    overlap = AstarteMapping.isParameter(sa.get(i)) || AstarteMapping.isParameter(sb.get(i))
                            || sa.get(i).toLowerCase(Locale.ROOT).equals(sb.get(i).toLowerCase(Locale.ROOT));
                }
                if (overlap) {
                    String problem = (sa.size() == sb.size()) ? "is ambiguous with" : "overlaps as a prefix with";
                    throw new AstarteInterfaceDefinitionException(source, "mappings[" + b + "].endpoint",
                            "'" + mappings.get(b).endpoint() + "' " + problem + " '" + mappings.get(a).endpoint()
                                    + "' (mappings[" + a + "])");
                }
            }
        }
    }

    /** Object aggregates share one prefix and every delivery setting. */
    private static void checkObject(String source, List<AstarteMapping> mappings) {
        AstarteMapping first = mappings.get(0);
        List<String> prefix = first.segments().subList(0, first.segments().size() - 1);
        for (int i = 1; i < mappings.size(); i++) {
            AstarteMapping m = mappings.get(i);
            String field = "mappings[" + i + "].";
            List<String> s = m.segments();
            if (!s.subList(0, s.size() - 1).equals(prefix)) {
                throw new AstarteInterfaceDefinitionException(source, field + "endpoint",
                        "every mapping of an object interface must share the prefix of '" + first.endpoint() + "'");
            }
            String differing = (m.reliability() != first.reliability()) ? "reliability"
                    : (m.retention() != first.retention()) ? "retention"
                    : !m.expiry().equals(first.expiry()) ? "expiry"
                    : (m.explicitTimestamp() != first.explicitTimestamp()) ? "explicit_timestamp" : null;
            if (differing != null) {
                throw new AstarteInterfaceDefinitionException(source, field + differing,
                        "every mapping of an object interface must have the same " + differing);
            }
        }
    }

    /** One JSON object being read, with the path of its fields for messages. */
    private record Def(String source, JsonNode node, String prefix) {

        AstarteInterfaceDefinitionException fail(String field, String problem) {
            return new AstarteInterfaceDefinitionException(this.source,
                    field.isEmpty() ? this.prefix.replaceAll("\\.$", "") : this.prefix + field, problem);
        }

        String requiredString(String field) {
            JsonNode v = this.node.get(field);
            if (v == null || v.isNull()) {
                throw fail(field, "is required");
            }
            if (!v.isString()) {
                throw fail(field, "must be a string");
            }
            return v.stringValue();
        }

        String optionalString(String field, String defaultValue) {
            JsonNode v = this.node.get(field);
            if (v == null || v.isNull()) {
                return defaultValue;
            }
            if (!v.isString()) {
                throw fail(field, "must be a string");
            }
            return v.stringValue();
        }

        int nonNegativeInt(String field, @Nullable Integer defaultValue) {
            JsonNode v = this.node.get(field);
            if (v == null || v.isNull()) {
                if (defaultValue == null) {
                    throw fail(field, "is required");
                }
                return defaultValue;
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
                throw fail(field, "must be an integer >= 0");
            }
            return v.intValue();
        }

        boolean bool(String field, boolean defaultValue) {
            JsonNode v = this.node.get(field);
            if (v == null || v.isNull()) {
                return defaultValue;
            }
            if (!v.isBoolean()) {
                throw fail(field, "must be true or false");
            }
            return v.booleanValue();
        }

        <E extends Enum<E>> E enumValue(String field, Class<E> type, @Nullable E defaultValue) {
            JsonNode v = this.node.get(field);
            if (v == null || v.isNull()) {
                if (defaultValue == null) {
                    throw fail(field, "is required");
                }
                return defaultValue;
            }
            String text = v.isString() ? v.stringValue() : v.toString();
            for (E e : type.getEnumConstants()) {
                if (e.name().toLowerCase(Locale.ROOT).equals(text)) {
                    return e;
                }
            }
            List<String> allowed = new ArrayList<>();
            for (E e : type.getEnumConstants()) {
                allowed.add(e.name().toLowerCase(Locale.ROOT));
            }
            throw fail(field, "must be one of " + String.join(", ", allowed) + " but was '" + text + "'");
        }

        void maxLength(String field, int max) {
            JsonNode v = this.node.get(field);
            if (v != null && v.isString() && v.stringValue().length() > max) {
                throw fail(field, "may have at most " + max + " characters");
            }
        }
    }
}
