package dev.iotspring.streamsea;

/**
 * Supplies the JWT for the WebSocket {@code authenticate} frame. Called before every connect, so a source
 * that mints tokens hands out a fresh one after a token expired and the server closed the connection.
 */
@FunctionalInterface
public interface StreamSeaTokenSource {

    String token();

    /** Always the same token (it fails to authenticate once it expired). */
    static StreamSeaTokenSource fixed(String token) {
        return () -> token;
    }
}
