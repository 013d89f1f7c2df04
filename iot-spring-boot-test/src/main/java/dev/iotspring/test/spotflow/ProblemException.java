package dev.iotspring.test.spotflow;

import org.jspecify.annotations.Nullable;

/** A refusal of the emulated HTTP API, answered as RFC 7807 problem details. */
final class ProblemException extends RuntimeException {

    private final int status;

    private final @Nullable String type;

    private final String title;

    ProblemException(int status, @Nullable String type, String title, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.title = title;
    }

    static ProblemException unauthorized(String detail) {
        return new ProblemException(401, "/problems/unauthorized", "Unauthorized", detail);
    }

    static ProblemException badRequest(String detail) {
        return new ProblemException(400, "/problems/validation", "Invalid request", detail);
    }

    int status() {
        return this.status;
    }

    @Nullable String type() {
        return this.type;
    }

    String title() {
        return this.title;
    }
}
