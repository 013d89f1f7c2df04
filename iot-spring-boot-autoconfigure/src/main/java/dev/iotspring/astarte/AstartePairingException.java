package dev.iotspring.astarte;

/**
 * The Astarte Pairing API refused or failed a request. The message has the HTTP status and the API's error
 * detail, never the credentials secret or a key.
 */
public class AstartePairingException extends RuntimeException {

    private final int status;

    public AstartePairingException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public AstartePairingException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The HTTP status, or 0 when there was no answer. */
    public int getStatus() {
        return this.status;
    }

    /**
     * Whether repeating the same request cannot help: a refusal (4xx other than 408 and 429), e.g. a wrong
     * secret or agent token, a device registered by someone else, credentials inhibited.
     */
    public boolean isPermanent() {
        return this.status >= 400 && this.status < 500 && this.status != 408 && this.status != 429;
    }
}
