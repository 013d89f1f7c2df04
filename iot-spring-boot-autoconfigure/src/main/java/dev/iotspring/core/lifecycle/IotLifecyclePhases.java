package dev.iotspring.core.lifecycle;

import org.springframework.context.SmartLifecycle;

/**
 * The one lifecycle order every platform follows. {@code start()} runs in ascending phase, {@code stop()} in
 * descending phase; Boot's web server starts at {@code MAX-2048} and begins its graceful shutdown at
 * {@code MAX-1024}.
 *
 * <pre>
 * start: stores/connections (CONNECTION) -&gt; dispatchers (DELIVERY) -&gt; web server -&gt; registration (REGISTRATION)
 * stop:  deregistration -&gt; web server -&gt; drain queues (DELIVERY) -&gt; disconnect (CONNECTION) -&gt; stores close
 * </pre>
 */
public final class IotLifecyclePhases {

    /**
     * Service registration: starts after the web server knows its port and stops first, before the web server
     * stops taking traffic, so callers stop being routed here while requests are still served.
     */
    public static final int REGISTRATION = SmartLifecycle.DEFAULT_PHASE - 512;

    /**
     * Dispatchers and templates: stop after the web server finished its in-flight requests (which may still
     * enqueue) and drain the queues while connections are still up.
     */
    public static final int DELIVERY = SmartLifecycle.DEFAULT_PHASE - 4096;

    /** Connections (MQTT, WebSocket, SSE): up before anything sends, down after the drain. */
    public static final int CONNECTION = SmartLifecycle.DEFAULT_PHASE - 8192;

    private IotLifecyclePhases() {
    }
}
