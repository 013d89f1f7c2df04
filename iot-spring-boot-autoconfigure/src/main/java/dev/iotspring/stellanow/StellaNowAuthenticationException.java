package dev.iotspring.stellanow;

import org.jspecify.annotations.Nullable;

/**
 * Obtaining an access token failed. {@linkplain #isPermanent() Permanent} failures (wrong credentials, a
 * disabled account, an unknown OIDC client) are not retried: the health indicator reports them as DOWN until the
 * configuration is fixed and the application restarted. Never carries a password or token.
 */
public class StellaNowAuthenticationException extends RuntimeException {

    private final boolean permanent;

    private final int status;

    private final @Nullable String errorCode;

    public StellaNowAuthenticationException(String message, boolean permanent, int status,
            @Nullable String errorCode, @Nullable Throwable cause) {
        super(message, cause);
        this.permanent = permanent;
        this.status = status;
        this.errorCode = errorCode;
    }

    /** Whether retrying cannot help (credentials or client configuration are wrong). */
    public boolean isPermanent() {
        return this.permanent;
    }

    /** HTTP status of the identity provider's answer, 0 when none arrived. */
    public int getStatus() {
        return this.status;
    }

    /** The OAuth {@code error} code (for example {@code invalid_grant}), when the answer had one. */
    public @Nullable String getErrorCode() {
        return this.errorCode;
    }
}
