package dev.iotspring.test.astarte;

import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/** Fault switches of the Pairing API: answer the next requests with an error status before any check. */
final class PairingFaults {

    private final AtomicInteger failing = new AtomicInteger();

    private volatile int status = 503;

    void failNext(int count, int status) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("A failure status is 4xx or 5xx, got " + status);
        }
        this.status = status;
        this.failing.set(count);
    }

    /** The status to fail this request with, or null to serve it. */
    @Nullable Integer nextFailure() {
        int left = this.failing.getAndUpdate((n) -> Math.max(0, n - 1));
        return (left > 0) ? this.status : null;
    }

    void reset() {
        this.failing.set(0);
    }
}
