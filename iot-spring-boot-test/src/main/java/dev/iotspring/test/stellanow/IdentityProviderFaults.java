package dev.iotspring.test.stellanow;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.iotspring.test.stellanow.StellaNowIdentityProvider.Fault;

/**
 * The identity provider's fault switches: faults scheduled for the next requests, a fault that stays on, and the
 * answer each fault gives instead of a token.
 */
final class IdentityProviderFaults {

    private final Deque<Fault> scheduled = new ArrayDeque<>();

    private volatile @Nullable Fault sticky;

    synchronized void failNext(Fault fault, int count) {
        for (int i = 0; i < count; i++) {
            this.scheduled.add(fault);
        }
    }

    void set(@Nullable Fault fault) {
        this.sticky = fault;
    }

    synchronized void clear() {
        this.scheduled.clear();
        this.sticky = null;
    }

    /** The fault for the request that just arrived, or {@code null} to answer normally. */
    synchronized @Nullable Fault next() {
        Fault next = this.scheduled.poll();
        return (next != null) ? next : this.sticky;
    }

    static TokenAnswer answer(Fault fault) {
        return switch (fault) {
            case SERVICE_UNAVAILABLE -> TokenAnswer.raw(503, "text/html; charset=utf-8",
                    "<html><body><h1>503 Service Unavailable</h1>"
                            + "No server is available to handle this request.</body></html>");
            case HTML_PAGE -> TokenAnswer.raw(502, "text/html; charset=utf-8",
                    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
                            + "<center><h1>502 Bad Gateway</h1></center></body></html>");
            case INVALID_CREDENTIALS -> TokenAnswer.invalidCredentials();
            case SERVER_ERROR_JSON -> TokenAnswer.json(500,
                    Map.of("error", "unknown_error", "error_description", "Internal server error"));
            case OK_NOT_JSON -> TokenAnswer.raw(200, "text/html; charset=utf-8",
                    "<!DOCTYPE html><html><head><title>Sign in</title></head><body>"
                            + "<form action=\"/login\">Please sign in to the network</form></body></html>");
            case OK_WITHOUT_ACCESS_TOKEN -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("token_type", "Bearer");
                body.put("expires_in", 300);
                body.put("scope", "profile email");
                yield TokenAnswer.json(200, body);
            }
            case NO_ANSWER -> TokenAnswer.none();
        };
    }
}
