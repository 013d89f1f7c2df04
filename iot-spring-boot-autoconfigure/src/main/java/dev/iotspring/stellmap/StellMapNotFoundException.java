package dev.iotspring.stellmap;

/** {@code 404 not_found}: a heartbeat for an instance the server does not know (expired and purged). */
public class StellMapNotFoundException extends StellMapException {

    public StellMapNotFoundException(String message) {
        super(404, "not_found", message, null);
    }
}
