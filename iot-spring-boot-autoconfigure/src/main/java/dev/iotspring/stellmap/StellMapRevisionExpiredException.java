package dev.iotspring.stellmap;

/** {@code 410 revision_expired}: the node no longer holds the history to resume a watch from its revision. */
public class StellMapRevisionExpiredException extends StellMapException {

    public StellMapRevisionExpiredException(String message) {
        super(410, "revision_expired", message, null);
    }
}
