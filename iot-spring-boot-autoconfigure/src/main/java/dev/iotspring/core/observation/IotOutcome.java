package dev.iotspring.core.observation;

import java.util.Locale;

/** How an observed message ended; the {@code iot.outcome} key value is the lower-case name. */
public enum IotOutcome {

    /** Acknowledged by the platform (a send) or handled without an exception (a delivery). */
    SUCCESS,

    /** Refused, rejected, timed out or failed while handled. */
    FAILURE,

    /** Dropped by the queue's overflow rule before it was sent. */
    DROPPED;

    /** The key value, e.g. {@code success}. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }
}
