package dev.iotspring.test.streamsea;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.BooleanNode;
import tools.jackson.databind.node.MissingNode;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.StringNode;

/**
 * The {@code filter} claim of a JWT (stream-sea's filter DSL, spec §4 and the JS client's README): the server
 * forwards a message to the token's bearer only when the expression is truthy for it; an evaluation error counts as
 * false. Nodes are {@code {"t": tag, "e": ...}}: literals {@code string}, {@code number}, {@code bool},
 * {@code null}; {@code path} (a dotted path into the message, an optional leading {@code $.}, {@code [n]} for
 * array elements: the path syntax is unconfirmed); {@code meta} {@code streamName}; {@code eq} of two, {@code and}
 * and {@code or} of any number, {@code not} of one (the negation's tag is unconfirmed).
 */
final class DeliveryFilter {

    private DeliveryFilter() {
    }

    /** Whether a message of {@code stream} passes {@code filter} (none passes everything). */
    static boolean accepts(@Nullable JsonNode filter, String stream, JsonNode message) {
        if (filter == null || filter.isMissingNode() || filter.isNull()) {
            return true;
        }
        try {
            return truthy(evaluate(filter, stream, message));
        }
        catch (IllegalArgumentException ex) {
            return false;
        }
    }

    private static JsonNode evaluate(JsonNode node, String stream, JsonNode message) {
        JsonNode e = node.path("e");
        return switch (node.path("t").asString("")) {
            case "string", "number", "bool" -> literal(e);
            case "null" -> NullNode.getInstance();
            case "path" -> path(message, e.asString(""));
            case "meta" -> {
                if (!"streamName".equals(e.asString(""))) {
                    throw new IllegalArgumentException("unknown meta field " + e);
                }
                yield StringNode.valueOf(stream);
            }
            case "eq" -> {
                if (!e.isArray() || e.size() != 2) {
                    throw new IllegalArgumentException("eq takes two expressions");
                }
                yield BooleanNode.valueOf(same(evaluate(e.get(0), stream, message), evaluate(e.get(1), stream, message)));
            }
            case "and" -> BooleanNode.valueOf(logical(e, true, stream, message));
            case "or" -> BooleanNode.valueOf(logical(e, false, stream, message));
            case "not" -> BooleanNode.valueOf(!truthy(evaluate(e, stream, message)));
            default -> throw new IllegalArgumentException("unknown node " + node.path("t"));
        };
    }

    /** {@code and} or {@code or} of the operands, stopping at the first that decides, as JavaScript does. */
    private static boolean logical(JsonNode operands, boolean and, String stream, JsonNode message) {
        if (!operands.isArray()) {
            throw new IllegalArgumentException("and/or take an array");
        }
        for (JsonNode operand : operands) {
            if (truthy(evaluate(operand, stream, message)) != and) {
                return !and;
            }
        }
        return and;
    }

    private static JsonNode literal(JsonNode e) {
        if (e.isMissingNode()) {
            throw new IllegalArgumentException("a literal without a value");
        }
        return e;
    }

    /** The value at a dotted path ({@code a.b[0].c}, optionally {@code $.} first); missing parts are missing. */
    private static JsonNode path(JsonNode message, String path) {
        String rest = path.startsWith("$") ? path.substring(1) : path;
        JsonNode current = message;
        for (String part : rest.split("\\.")) {
            if (part.isEmpty()) {
                continue;
            }
            String name = part;
            int bracket = part.indexOf('[');
            if (bracket >= 0) {
                name = part.substring(0, bracket);
            }
            if (!name.isEmpty()) {
                current = current.path(name);
            }
            while (bracket >= 0) {
                int close = part.indexOf(']', bracket);
                if (close < 0) {
                    throw new IllegalArgumentException("unclosed [ in path " + path);
                }
                current = current.path(Integer.parseInt(part.substring(bracket + 1, close)));
                bracket = part.indexOf('[', close);
            }
        }
        return current;
    }

    /** JavaScript's strict equality on JSON values: numbers by value, a missing value equals nothing. */
    private static boolean same(JsonNode a, JsonNode b) {
        if (a.isMissingNode() || b.isMissingNode()) {
            return false;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.doubleValue() == b.doubleValue();
        }
        return a.equals(b);
    }

    /** JavaScript's truthiness of a JSON value. */
    private static boolean truthy(JsonNode value) {
        if (value instanceof MissingNode || value.isNull()) {
            return false;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isNumber()) {
            double d = value.doubleValue();
            return d != 0 && !Double.isNaN(d);
        }
        if (value.isString()) {
            return !value.asString().isEmpty();
        }
        return true;
    }
}
