package dev.iotspring.test.stellmap;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The faults a test can switch on in a {@link StellMapEmulator}: slow answers, failing raft proposals, frames cut
 * across TCP packets, watch streams held back, answers from something in front of the node (a proxy's HTML page),
 * and an older server that does not know some request keys. Thread-safe; each switch is read per request.
 */
final class FaultSwitches {

    volatile Duration responseDelay = Duration.ZERO;

    final AtomicInteger failingWrites = new AtomicInteger();

    volatile boolean splitFrames;

    private volatile Set<String> unknownFields = Set.of();

    private volatile Sinks.@Nullable Empty<Void> watchGate;

    private final Map<String, ConcurrentLinkedQueue<RawAnswer>> answers = new ConcurrentHashMap<>();

    /** A response sent instead of the node's own. */
    record RawAnswer(int status, String contentType, String body) {
    }

    /** Whether the next write fails with {@code 500 propose_failed} (counts it down). */
    boolean failNextWrite() {
        return this.failingWrites.getAndUpdate((n) -> Math.max(0, n - 1)) > 0;
    }

    void answerNext(String path, int count, RawAnswer answer) {
        ConcurrentLinkedQueue<RawAnswer> queue = this.answers.computeIfAbsent(path, (p) -> new ConcurrentLinkedQueue<>());
        for (int i = 0; i < count; i++) {
            queue.add(answer);
        }
    }

    /** The canned answer for this request, if one is queued for its path. */
    @Nullable RawAnswer cannedAnswer(String path) {
        ConcurrentLinkedQueue<RawAnswer> queue = this.answers.get(path);
        return (queue != null) ? queue.poll() : null;
    }

    void unknownFields(String... keys) {
        this.unknownFields = Set.of(keys);
    }

    /** The keys a body may hold, minus those this (older) server does not know. */
    Set<String> allowed(Set<String> keys) {
        if (this.unknownFields.isEmpty()) {
            return keys;
        }
        Set<String> result = new HashSet<>(keys);
        result.removeAll(this.unknownFields);
        return result;
    }

    void holdWatches() {
        this.watchGate = Sinks.empty();
    }

    void releaseWatches() {
        Sinks.Empty<Void> gate = this.watchGate;
        this.watchGate = null;
        if (gate != null) {
            gate.tryEmitEmpty();
        }
    }

    /** Completes when new watch streams may start (at once unless held). */
    Mono<Void> watchGate() {
        Sinks.Empty<Void> gate = this.watchGate;
        return (gate != null) ? gate.asMono() : Mono.empty();
    }
}
