package dev.iotspring.test.netty;

import java.time.Duration;
import java.util.Objects;

import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A Reactor Netty {@link HttpServer} bound on event loops of its own. Emulators use it because closing a Spring
 * application context under test (its {@code ReactorResourceFactory} with global resources) disposes Reactor
 * Netty's global event loops: a server bound on those would stop answering while the test still needs it.
 */
public final class IsolatedLoopHttpServer {

    private final LoopResources loops;

    private final DisposableServer server;

    private IsolatedLoopHttpServer(LoopResources loops, DisposableServer server) {
        this.loops = loops;
        this.server = server;
    }

    /**
     * Binds {@code server} on one selector thread and two worker threads (daemons, named after
     * {@code threadPrefix}).
     * @param threadPrefix prefix of the event loop threads' names
     * @param server host, port and handlers; its own {@code runOn} is replaced
     */
    public static IsolatedLoopHttpServer bind(String threadPrefix, HttpServer server) {
        Objects.requireNonNull(server, "server");
        LoopResources loops = LoopResources.create(threadPrefix, 1, 2, true);
        try {
            return new IsolatedLoopHttpServer(loops, server.runOn(loops).bindNow());
        }
        catch (RuntimeException ex) {
            loops.dispose();
            throw ex;
        }
    }

    public DisposableServer server() {
        return this.server;
    }

    public int port() {
        return this.server.port();
    }

    /**
     * Stops the server within {@code timeout}, then its event loops (within a few seconds), even when the server
     * did not stop in time.
     * @throws IllegalStateException if the server did not stop within {@code timeout}
     */
    public void close(Duration timeout) {
        try {
            this.server.disposeNow(timeout);
        }
        finally {
            this.loops.disposeLater(Duration.ZERO, Duration.ofSeconds(1)).block(Duration.ofSeconds(3));
        }
    }
}
