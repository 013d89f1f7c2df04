package dev.iotspring.stellmap;

/** {@code 400 bad_request}: the server rejected the request (unknown field, invalid selector, ...). */
public class StellMapBadRequestException extends StellMapException {

    public StellMapBadRequestException(String message) {
        super(400, "bad_request", message, null);
    }
}
