package dev.iotspring.test.spotflow;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Fault switches of the HTTP API: statuses forced on the next calls of an endpoint or on all of them, and a
 * disabled workspace (423 everywhere, after authentication).
 */
final class ProvisioningFaults {

    private final Map<SpotflowEndpoint, Deque<Integer>> next = new EnumMap<>(SpotflowEndpoint.class);

    private final Map<SpotflowEndpoint, Integer> always = new EnumMap<>(SpotflowEndpoint.class);

    private volatile boolean workspaceDisabled;

    synchronized void failNext(SpotflowEndpoint endpoint, int status, int times) {
        requireErrorStatus(status);
        Deque<Integer> queue = this.next.computeIfAbsent(endpoint, (e) -> new ArrayDeque<>());
        for (int i = 0; i < times; i++) {
            queue.add(status);
        }
    }

    synchronized void failAlways(SpotflowEndpoint endpoint, @Nullable Integer status) {
        if (status == null) {
            this.always.remove(endpoint);
        }
        else {
            requireErrorStatus(status);
            this.always.put(endpoint, status);
        }
    }

    void workspaceDisabled(boolean disabled) {
        this.workspaceDisabled = disabled;
    }

    boolean workspaceDisabled() {
        return this.workspaceDisabled;
    }

    /** The status to force on this call of {@code endpoint}, or null to serve it normally. */
    synchronized @Nullable Integer take(SpotflowEndpoint endpoint) {
        Deque<Integer> queue = this.next.get(endpoint);
        if (queue != null && !queue.isEmpty()) {
            return queue.poll();
        }
        return this.always.get(endpoint);
    }

    synchronized void clear() {
        this.next.clear();
        this.always.clear();
        this.workspaceDisabled = false;
    }

    private static void requireErrorStatus(int status) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("A forced failure needs a 4xx or 5xx status, not " + status);
        }
    }
}
