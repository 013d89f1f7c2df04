package dev.iotspring.test.mqtt;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.services.publish.PublishService;
import com.hivemq.extension.sdk.api.services.session.ClientService;
import org.jspecify.annotations.Nullable;

/** What the broker's extension and the test share: settings that change at runtime and the recordings. */
final class BrokerState {

    volatile MqttAuthenticator authenticator = MqttAuthenticator.allowAll();

    volatile MqttTopicAuthorizer authorizer = MqttTopicAuthorizer.allowAll();

    volatile boolean holdAcks;

    volatile boolean recordPublishes = true;

    volatile Instant refuseUntil = Instant.MIN;

    volatile @Nullable ClientService clientService;

    volatile @Nullable PublishService publishService;

    /** Publishes whose acknowledgement is held back (besides all of them under {@link #holdAcks}). */
    volatile @Nullable Predicate<RecordedPublish> holdFilter;

    final List<Consumer<RecordedPublish>> publishListeners = new CopyOnWriteArrayList<>();

    private final List<RecordedSubscribe> subscribes = new ArrayList<>();

    private final List<RecordedUnsubscribe> unsubscribes = new ArrayList<>();

    private final Object recordLock = new Object();

    private final List<RecordedConnect> connects = new ArrayList<>();

    private final List<RecordedPublish> publishes = new ArrayList<>();

    private final Queue<Async<?>> held = new ArrayDeque<>();

    private final java.util.Map<String, MqttConnectInfo> clients = new java.util.concurrent.ConcurrentHashMap<>();

    void recordConnect(RecordedConnect connect) {
        if (connect.accepted()) {
            this.clients.put(connect.clientId(), connect.info());
        }
        synchronized (this.recordLock) {
            this.connects.add(connect);
            this.recordLock.notifyAll();
        }
    }

    @Nullable MqttConnectInfo client(String clientId) {
        return this.clients.get(clientId);
    }

    void recordPublish(RecordedPublish publish) {
        if (!this.recordPublishes) {
            return;
        }
        synchronized (this.recordLock) {
            this.publishes.add(publish);
            this.recordLock.notifyAll();
        }
    }

    void recordSubscribe(RecordedSubscribe subscribe) {
        synchronized (this.recordLock) {
            this.subscribes.add(subscribe);
            this.recordLock.notifyAll();
        }
    }

    void recordUnsubscribe(RecordedUnsubscribe unsubscribe) {
        synchronized (this.recordLock) {
            this.unsubscribes.add(unsubscribe);
            this.recordLock.notifyAll();
        }
    }

    /** Whether this publish's acknowledgement is to be held by {@link #holdFilter}. */
    boolean selectedForHolding(RecordedPublish publish) {
        Predicate<RecordedPublish> filter = this.holdFilter;
        return filter != null && publish.qos() > 0 && filter.test(publish);
    }

    /** Holds the acknowledgement if asked to (or {@code selected}); returns whether it was held. */
    boolean holdIfAsked(boolean selected, Supplier<Async<?>> async) {
        synchronized (this.held) {
            if (!this.holdAcks && !selected) {
                return false;
            }
            this.held.add(async.get());
        }
        synchronized (this.recordLock) {
            this.recordLock.notifyAll();
        }
        return true;
    }

    void releaseHeldAcks() {
        List<Async<?>> toResume;
        synchronized (this.held) {
            toResume = new ArrayList<>(this.held);
            this.held.clear();
        }
        for (Async<?> async : toResume) {
            async.resume();
        }
    }

    void dropHeldAcks() {
        synchronized (this.held) {
            this.held.clear();
        }
    }

    int heldCount() {
        synchronized (this.held) {
            return this.held.size();
        }
    }

    List<RecordedConnect> connects() {
        synchronized (this.recordLock) {
            return List.copyOf(this.connects);
        }
    }

    List<RecordedPublish> publishes() {
        synchronized (this.recordLock) {
            return List.copyOf(this.publishes);
        }
    }

    List<RecordedSubscribe> subscribes() {
        synchronized (this.recordLock) {
            return List.copyOf(this.subscribes);
        }
    }

    List<RecordedUnsubscribe> unsubscribes() {
        synchronized (this.recordLock) {
            return List.copyOf(this.unsubscribes);
        }
    }

    void clear() {
        synchronized (this.recordLock) {
            this.connects.clear();
            this.publishes.clear();
            this.subscribes.clear();
            this.unsubscribes.clear();
        }
    }

    <T> List<T> await(Supplier<List<T>> query, int count, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this.recordLock) {
            while (true) {
                List<T> result = query.get();
                if (result.size() >= count) {
                    return result;
                }
                long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
                if (remainingMillis <= 0) {
                    throw new AssertionError("Expected at least " + count + " " + what + " packet(s) within " + timeout
                            + " but the broker recorded " + result.size() + ": " + abbreviate(result));
                }
                try {
                    this.recordLock.wait(remainingMillis);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("Interrupted while waiting for " + what + " packets", ex);
                }
            }
        }
    }

    private static String abbreviate(List<?> list) {
        return (list.size() <= 10) ? list.toString()
                : list.subList(0, 5) + " ... " + list.subList(list.size() - 5, list.size());
    }
}
