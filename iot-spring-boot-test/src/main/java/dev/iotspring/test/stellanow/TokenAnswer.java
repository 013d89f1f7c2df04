package dev.iotspring.test.stellanow;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * What the fake token endpoint answers: a JSON body, a raw body with its content type, or nothing at all
 * ({@link #silent()}: the request is held open without an answer).
 */
record TokenAnswer(int status, @Nullable Map<String, ?> json, @Nullable String raw, String contentType,
        boolean silent) {

    static TokenAnswer json(int status, Map<String, ?> body) {
        return new TokenAnswer(status, body, null, "application/json", false);
    }

    static TokenAnswer raw(int status, String contentType, String body) {
        return new TokenAnswer(status, null, body, contentType, false);
    }

    static TokenAnswer none() {
        return new TokenAnswer(0, null, null, "", true);
    }

    static TokenAnswer invalidCredentials() {
        return json(401, Map.of("error", "invalid_grant", "error_description", "Invalid user credentials"));
    }
}
