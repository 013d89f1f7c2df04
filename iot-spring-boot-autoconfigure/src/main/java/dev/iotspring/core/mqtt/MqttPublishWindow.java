package dev.iotspring.core.mqtt;

import java.util.ArrayList;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publish side of a {@link MqttConnection}: at most {@code maxInflight} publishes await their
 * acknowledgement, further ones wait in the order they were accepted for a free slot, and each future completes
 * when the broker acknowledged its message (or fails when the connection went down first).
 *
 * <p>Publishes are accepted per <em>epoch</em>: every disconnect starts a new one, and a publish accepted in an
 * older epoch fails instead of being sent on the next connection, out of the caller's order. State changes of
 * the connection that open or close the window go through {@link #transition} so that no publish slips in
 * between.
 */
final class MqttPublishWindow {

    private static final Logger logger = LoggerFactory.getLogger(MqttConnection.class);

    /**
     * QoS 2 publishes awaiting PUBCOMP at once, whatever the window. MQTT 3.1.1 has no way for a broker to announce
     * how many QoS 2 exchanges it takes. Mosquitto's default ({@code max_inflight_messages 20}) drops a client that
     * sends any QoS 1 or 2 PUBLISH while 20 of its QoS 2 PUBLISHes await their PUBREL, so one of the 20 stays free
     * for the QoS 1 publishes in between (Astarte mixes datastreams and properties).
     */
    static final int MAX_QOS2_INFLIGHT = 19;

    private final MqttAsyncClient client;

    private final MqttConnectionSettings settings;

    /** True while the connection accepts publishes; read under {@link #sendLock}. */
    private final BooleanSupplier open;

    private final Supplier<MqttPublishException> notConnected;

    /** Feeds freed slots off Paho's callback thread. */
    private final Executor workExecutor;

    /** Orders publishes onto the wire and guards {@link #epoch}. */
    private final Object sendLock = new Object();

    private final Semaphore window;

    private final Semaphore qos2Window;

    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    private final Queue<PendingPublish> waiting = new ConcurrentLinkedQueue<>();

    private final Set<PendingPublish> inflight = ConcurrentHashMap.newKeySet();

    /** One listener for every publish; the publish travels as the token's user context. */
    private final IMqttActionListener publishListener = new IMqttActionListener() {
        @Override
        public void onSuccess(IMqttToken token) {
            if (token.getUserContext() instanceof PendingPublish p) {
                finish(p, null);
            }
        }

        @Override
        public void onFailure(IMqttToken token, Throwable ex) {
            if (token.getUserContext() instanceof PendingPublish p) {
                finish(p, translate(ex));
            }
        }
    };

    /** Incremented on every disconnect: publishes accepted in an older epoch fail instead of being sent. */
    private long epoch;

    MqttPublishWindow(MqttAsyncClient client, MqttConnectionSettings settings, Executor workExecutor,
            BooleanSupplier open, Supplier<MqttPublishException> notConnected) {
        this.client = client;
        this.settings = settings;
        this.workExecutor = workExecutor;
        this.open = open;
        this.notConnected = notConnected;
        this.window = new Semaphore(settings.maxInflight());
        this.qos2Window = new Semaphore(Math.min(settings.maxInflight(), MAX_QOS2_INFLIGHT));
    }

    int inflightCount() {
        return this.inflight.size();
    }

    int waitingCount() {
        return this.waiting.size();
    }

    /** Accepts a validated publish in the current epoch (or fails it at once when closed) and sends what fits. */
    CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retain) {
        PendingPublish publish = new PendingPublish(topic, payload, qos, retain);
        synchronized (this.sendLock) {
            if (!this.open.getAsBoolean()) {
                publish.completeExceptionally(this.notConnected.get());
                return publish;
            }
            publish.epoch = this.epoch;
            if (this.waiting.isEmpty() && this.window.tryAcquire()) {
                if (qos != 2 || this.qos2Window.tryAcquire()) {
                    // Nothing waits before it and a slot is free: sent now, in order, without queueing it first.
                    send(publish);
                    return publish;
                }
                this.window.release();
            }
            this.waiting.add(publish);
        }
        drain();
        return publish;
    }

    /**
     * Runs a change of the connection's state atomically with respect to {@link #publish}.
     * @param newEpoch whether the change leaves the connected state (publishes accepted before it fail)
     */
    void transition(Runnable stateChange, boolean newEpoch) {
        synchronized (this.sendLock) {
            if (newEpoch) {
                this.epoch++;
            }
            stateChange.run();
        }
    }

    /** Sends waiting publishes while the window has room, in the order they were accepted. */
    void drain() {
        synchronized (this.sendLock) {
            while (!this.waiting.isEmpty() && this.window.tryAcquire()) {
                PendingPublish p = this.waiting.peek();
                if (p == null) {
                    this.window.release();
                    return;
                }
                boolean current = p.epoch == this.epoch && this.open.getAsBoolean();
                if (current && p.qos == 2 && !this.qos2Window.tryAcquire()) {
                    // In order: it waits for a QoS 2 exchange to complete, and so does everything after it.
                    this.window.release();
                    return;
                }
                this.waiting.poll();
                if (!current) {
                    this.window.release();
                    p.completeExceptionally(new MqttConnectionLostException("MQTT connection '"
                            + this.settings.name() + "' went down before the message was sent", null));
                    continue;
                }
                send(p);
            }
        }
    }

    /** Holds {@link #sendLock} and one window permit. */
    private void send(PendingPublish p) {
        this.inflight.add(p);
        try {
            MqttMessage message = new MqttMessage(p.payload);
            message.setQos(p.qos);
            message.setRetained(p.retain);
            p.token = this.client.publish(p.topic, message, p, this.publishListener);
            if (p.lost) {
                // The connection went down while Paho was taking it: finish() found no token to forget.
                forgetIfLost(p);
            }
        }
        catch (MqttException ex) {
            finish(p, translate(ex));
        }
        catch (RuntimeException ex) {
            finish(p, new MqttPublishException("MQTT publish to " + p.topic + " failed: " + ex.getMessage(), 0, ex));
        }
    }

    private MqttPublishException translate(Throwable ex) {
        if (ex instanceof MqttException me) {
            int code = me.getReasonCode();
            if (code == MqttException.REASON_CODE_CONNECTION_LOST
                    || code == MqttException.REASON_CODE_CLIENT_NOT_CONNECTED
                    || code == MqttException.REASON_CODE_CLIENT_DISCONNECTING
                    || code == MqttException.REASON_CODE_CLIENT_CLOSED) {
                return new MqttConnectionLostException("MQTT connection '" + this.settings.name()
                        + "' went down before the broker acknowledged the message (" + MqttConnection.describe(me)
                        + ")", me);
            }
            return new MqttPublishException("MQTT publish failed: " + MqttConnection.describe(me), code, me);
        }
        return new MqttPublishException("MQTT publish failed: " + ex, 0, ex);
    }

    private void finish(PendingPublish p, @Nullable MqttPublishException error) {
        if (!DONE.compareAndSet(p, 0, 1)) {
            return;
        }
        if (error instanceof MqttConnectionLostException) {
            p.lost = true;
            forgetIfLost(p);
        }
        this.inflight.remove(p);
        if (p.qos == 2) {
            this.qos2Window.release();
        }
        this.window.release();
        if (this.inflight.isEmpty()) {
            synchronized (this.inflight) {
                this.inflight.notifyAll();
            }
        }
        if (error == null) {
            p.complete(null);
        }
        else {
            p.completeExceptionally(error);
        }
        if (!this.waiting.isEmpty() && this.drainScheduled.compareAndSet(false, true)) {
            // Not on Paho's callback thread: it should go back to completing acknowledgements while another
            // thread feeds the freed slots (one pass serves many acknowledgements).
            this.workExecutor.execute(() -> {
                this.drainScheduled.set(false);
                drain();
            });
        }
    }

    /**
     * With a persistent session Paho would resend a publish that lost its connection on the reconnect, outside our
     * window, while the caller retries it in its own order: a second copy. So Paho forgets it. Called by whichever of
     * {@link #finish} (the loss) and {@link #send} (the token) comes second, both when they race (a second removal
     * is a no-op). Not QoS 2: the broker keeps that exchange in the session until Paho finishes it (PUBREL) after
     * the reconnect; forgotten, it would hold one of the broker's QoS 2 slots for good.
     */
    private void forgetIfLost(PendingPublish p) {
        IMqttDeliveryToken token = p.token;
        if (token == null || this.settings.cleanSession() || p.qos == 2) {
            return;
        }
        try {
            this.client.removeMessage(token);
        }
        catch (MqttException | RuntimeException ex) {
            logger.debug("MQTT {}: removing an unacknowledged message: {}", this.settings.name(), ex.toString());
        }
    }

    /** Fails every publish still waiting for a slot (none of them was sent). */
    void failWaiting(MqttPublishException error) {
        synchronized (this.sendLock) {
            PendingPublish p;
            while ((p = this.waiting.poll()) != null) {
                p.completeExceptionally(error);
            }
        }
    }

    /** Fails everything not acknowledged; Paho forgets those messages so they are not sent twice by it. */
    void failPending(MqttPublishException error) {
        failWaiting(error);
        for (PendingPublish p : new ArrayList<>(this.inflight)) {
            finish(p, error);
        }
    }

    /** Waits until no publish awaits its acknowledgement; false if the deadline ({@link System#nanoTime}) passed. */
    boolean awaitInflight(long deadlineNanos) {
        while (!this.inflight.isEmpty()) {
            long remaining = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (remaining <= 0) {
                return false;
            }
            try {
                synchronized (this.inflight) {
                    if (!this.inflight.isEmpty()) {
                        this.inflight.wait(remaining);
                    }
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return this.inflight.isEmpty();
    }

    private static final AtomicIntegerFieldUpdater<PendingPublish> DONE = AtomicIntegerFieldUpdater
        .newUpdater(PendingPublish.class, "done");

    /** One publish and the future its caller holds: one object per message on the hot path. */
    private static final class PendingPublish extends CompletableFuture<Void> {

        final String topic;

        final byte[] payload;

        final int qos;

        final boolean retain;

        /** 1 once finished (see {@link #DONE}): Paho may report an outcome after a stop failed it already. */
        volatile int done;

        long epoch;

        volatile @Nullable IMqttDeliveryToken token;

        /** Failed by a lost connection; written before {@link #token} is read, as the token before this is read. */
        volatile boolean lost;

        PendingPublish(String topic, byte[] payload, int qos, boolean retain) {
            this.topic = topic;
            this.payload = payload;
            this.qos = qos;
            this.retain = retain;
        }
    }
}
