package dev.iotspring.test.streamsea;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

import dev.iotspring.test.streamsea.StreamSeaEmulator.DefaultGroupScope;

/**
 * The emulator's switches: behaviour the spec leaves open (UNCONFIRMED choices) and faults a test turns on.
 * Read by the request handlers on every request or frame, so a change applies at once.
 */
final class EmulatorFaults {

    // ---- behaviour switches -------------------------------------------------------------------------------

    volatile Duration pingInterval = Duration.ofSeconds(30);

    volatile DefaultGroupScope defaultGroupScope = DefaultGroupScope.PER_CLIENT;

    volatile String answerAction = "subscription";

    volatile boolean splitArrayPayloads;

    volatile boolean closeOnIdViolation;

    volatile boolean requireAuthenticateFirst = true;

    volatile Duration authFailureCloseDelay = Duration.ofMillis(200);

    // ---- faults ---------------------------------------------------------------------------------------------

    final AtomicInteger refuseAuthentications = new AtomicInteger();

    final Set<String> forbiddenStreams = ConcurrentHashMap.newKeySet();

    volatile Duration ackDelay = Duration.ZERO;

    volatile Duration authAckDelay = Duration.ZERO;

    final AtomicInteger failPublishes = new AtomicInteger();

    volatile int failPublishStatus = 503;

    /** The body of a failed publish when it is not the JSON {@code {"message"}}: content type and text. */
    volatile @Nullable String failPublishContentType;

    volatile @Nullable String failPublishBody;

    volatile Duration publishDelay = Duration.ZERO;

    /** Takes one of the pending publish failures, if any. */
    boolean takePublishFailure() {
        return this.failPublishes.getAndUpdate((n) -> Math.max(0, n - 1)) > 0;
    }

    /** Takes one of the pending authentication refusals, if any. */
    boolean takeAuthenticationRefusal() {
        return this.refuseAuthentications.getAndUpdate((n) -> Math.max(0, n - 1)) > 0;
    }
}
