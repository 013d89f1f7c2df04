package dev.iotspring.stellmap;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Client-side identifier checks. A {@code /} inside namespace, service or instance id breaks the server's
 * storage key parsing (the write succeeds but no watch event is ever emitted), so it is rejected before sending.
 */
final class Identifiers {

    private Identifiers() {
    }

    static String check(@Nullable String value, String field) {
        String problem = problem(value);
        if (problem != null) {
            throw new StellMapValidationException(field, "'" + value + "' " + problem);
        }
        return value;
    }

    /** Why the value is not a usable identifier, or {@code null} when it is. */
    static @Nullable String problem(@Nullable String value) {
        if (value == null || value.isBlank()) {
            return "must not be blank";
        }
        if (value.indexOf('/') >= 0) {
            return "must not contain '/' (the server could not emit watch events for it)";
        }
        if (value.chars().anyMatch(Character::isWhitespace)) {
            return "must not contain whitespace";
        }
        return null;
    }

    static void checkTtl(@Nullable Duration ttl) {
        if (ttl != null && (ttl.isNegative() || ttl.toSeconds() < 1)) {
            throw new StellMapValidationException("leaseTtl", "must be at least 1 second, was " + ttl);
        }
    }
}
