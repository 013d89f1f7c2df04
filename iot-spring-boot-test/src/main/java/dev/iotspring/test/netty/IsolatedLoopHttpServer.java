package dev.iotspring.test.netty;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Objects;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A Reactor Netty {@link HttpServer} bound on event loops of its own. Emulators use it because closing a Spring
 * application context under test (its {@code ReactorResourceFactory} with global resources) disposes Reactor
 * Netty's global event loops: a server bound on those would stop answering while the test still needs it.
 */
public final class IsolatedLoopHttpServer {

    private static final Logger logger = LoggerFactory.getLogger(IsolatedLoopHttpServer.class);

    private final String name;

    private final LoopResources loops;

    private final DisposableServer server;

    private final ChannelGroup connections;

    private IsolatedLoopHttpServer(String name, LoopResources loops, DisposableServer server,
            ChannelGroup connections) {
        this.name = name;
        this.loops = loops;
        this.server = server;
        this.connections = connections;
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
        // Every accepted connection, so that closing the server closes them too, as a server going down would:
        // a client's pooled keep-alive connection must not outlive the server it was opened to.
        ChannelGroup connections = new DefaultChannelGroup(threadPrefix, GlobalEventExecutor.INSTANCE);
        try {
            return new IsolatedLoopHttpServer(threadPrefix, loops,
                    server.runOn(loops).channelGroup(connections).bindNow(), connections);
        }
        catch (RuntimeException ex) {
            loops.dispose();
            throw ex;
        }
    }

    /**
     * {@code server} serving https (HTTP/1.1 over TLS) with {@code key} and {@code chain}, or {@code server} as it
     * is when {@code key} is {@code null}. Emulators offering optional TLS share this set-up.
     * @param server the server to secure
     * @param key the server's private key, {@code null} for plain http
     * @param chain the server certificate first, then its issuers; it should name 127.0.0.1 (IP SAN), as clients
     * verify the host name
     */
    public static HttpServer secure(HttpServer server, @Nullable PrivateKey key, X509Certificate... chain) {
        Objects.requireNonNull(server, "server");
        if (key == null) {
            return server;
        }
        if (chain.length == 0) {
            throw new IllegalArgumentException("A TLS server needs its certificate (chain)");
        }
        X509Certificate[] certificates = chain.clone();
        return server.secure((spec) -> spec.sslContext(Http11SslContextSpec.forServer(key, certificates)));
    }

    public DisposableServer server() {
        return this.server;
    }

    public int port() {
        return this.server.port();
    }

    /**
     * Stops the server within {@code timeout}, closes every connection it accepted, then its event loops (within
     * a few seconds), even when the server did not stop in time. A slow stop is logged, not thrown: on a loaded machine closing many sockets can take
     * a while, and the test that stops an emulator must not fail on that.
     */
    public void close(Duration timeout) {
        try {
            this.server.disposeNow(timeout);
        }
        catch (IllegalStateException ex) {
            logger.warn("{} server on port {} did not stop within {}; its event loops are closed anyway", this.name,
                    this.server.port(), timeout);
        }
        finally {
            closeConnections();
            disposeLoops();
        }
    }

    private void closeConnections() {
        if (!this.connections.close().awaitUninterruptibly(5_000)) {
            logger.warn("{} server on port {}: some connections did not close within 5 s", this.name,
                    this.server.port());
        }
    }

    private void disposeLoops() {
        try {
            this.loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
        }
        catch (RuntimeException ex) {
            // The threads are daemons and already told to stop; a late exit costs nothing but threads.
            logger.warn("{} event loops did not stop in time: {}", this.name, ex.getMessage());
        }
    }
}
