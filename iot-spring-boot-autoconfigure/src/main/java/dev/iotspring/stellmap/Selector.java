package dev.iotspring.stellmap;

import java.util.Arrays;
import java.util.List;

/**
 * One label requirement of the server's selector syntax, built type-safely:
 * {@code Selector.equal("lane", "blue")} renders {@code lane=blue}, {@code Selector.in("version", "2.4.0", "2.5.0")}
 * renders {@code version in (2.4.0,2.5.0)}. Several selectors in a query are ANDed. Keys and values may not hold
 * {@code , ( ) = !} or whitespace, which the server's parser would read as syntax.
 */
public final class Selector {

    private final String expression;

    private Selector(String expression) {
        this.expression = expression;
    }

    /** The label exists. */
    public static Selector exists(String key) {
        return new Selector(token(key, "key"));
    }

    /** The label is absent. */
    public static Selector notExists(String key) {
        return new Selector("!" + token(key, "key"));
    }

    public static Selector equal(String key, String value) {
        return new Selector(token(key, "key") + "=" + token(value, "value"));
    }

    /** The label differs from {@code value} or is absent. */
    public static Selector notEqual(String key, String value) {
        return new Selector(token(key, "key") + "!=" + token(value, "value"));
    }

    public static Selector in(String key, String... values) {
        return new Selector(token(key, "key") + " in (" + set(values) + ")");
    }

    /** The label is none of the values, or is absent. */
    public static Selector notIn(String key, String... values) {
        return new Selector(token(key, "key") + " notin (" + set(values) + ")");
    }

    private static String set(String[] values) {
        if (values.length == 0) {
            throw new StellMapValidationException("values", "of a set selector must hold at least one value");
        }
        List<String> checked = Arrays.stream(values).map((v) -> token(v, "value")).toList();
        return String.join(",", checked);
    }

    private static String token(String text, String what) {
        if (text == null || text.isBlank()) {
            throw new StellMapValidationException(what, "of a selector must not be blank");
        }
        for (char c : text.toCharArray()) {
            if (c == ',' || c == '(' || c == ')' || c == '=' || c == '!' || Character.isWhitespace(c)) {
                throw new StellMapValidationException(what, "of a selector may not contain '" + c + "': " + text);
            }
        }
        return text;
    }

    /** The expression as the server parses it (URL-encode it when building a query by hand). */
    @Override
    public String toString() {
        return this.expression;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Selector selector && selector.expression.equals(this.expression);
    }

    @Override
    public int hashCode() {
        return this.expression.hashCode();
    }
}
