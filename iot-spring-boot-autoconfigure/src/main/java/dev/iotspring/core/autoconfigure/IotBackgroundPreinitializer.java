package dev.iotspring.core.autoconfigure;

import java.util.List;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * Does, on a thread of its own while the application context is being prepared, the one-time JVM work the enabled
 * platforms' beans would otherwise do on the startup thread: initialising Reactor Netty (every platform's HTTP or
 * WebSocket client) and its TLS where a bean on the startup thread needs it, the SQLite driver's native library
 * and Hikari where a platform opens a SQLite file. Not the signed jars (Paho, BouncyCastle):
 * see {@link #preinitialize}. The same idea as Boot's background pre-initializers, only when at least
 * one platform is enabled: an application that enables none pays nothing. Skipped with one CPU, or with Boot's switch
 * {@code -Dspring.backgroundpreinitializer.ignore=true}. Best effort: a failure here is ignored, the bean that
 * needs the library reports it.
 */
class IotBackgroundPreinitializer implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {

    private static final List<String> PLATFORMS = List.of("stellanow", "stream-sea", "stellmap", "spotflow",
            "astarte");

    private static boolean started;

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        ConfigurableEnvironment environment = event.getEnvironment();
        if (!anyPlatformEnabled(environment) || Boolean.getBoolean("spring.backgroundpreinitializer.ignore")
                || Runtime.getRuntime().availableProcessors() < 2) {
            return;
        }
        synchronized (IotBackgroundPreinitializer.class) {
            if (started) {
                return;
            }
            started = true;
        }
        ClassLoader classLoader = event.getSpringApplication().getClassLoader();
        boolean tls = startupThreadBuildsTls(environment);
        boolean sqlite = opensSqliteStore(environment);
        Thread thread = new Thread(() -> preinitialize(classLoader, tls, sqlite), "iot-preinit");
        thread.setDaemon(true);
        thread.start();
    }

    static boolean anyPlatformEnabled(ConfigurableEnvironment environment) {
        return PLATFORMS.stream().anyMatch((platform) -> enabled(environment, platform));
    }

    private static boolean enabled(ConfigurableEnvironment environment, String platform) {
        return environment.getProperty("iot." + platform + ".enabled", Boolean.class, false);
    }

    /**
     * Whether a bean builds a Netty TLS context on the startup thread: the HTTP and WebSocket clients of StellaNow,
     * stream-sea and StellMap are built in their beans, with TLS when they name an {@code ssl.bundle}. Astarte and
     * Spotflow build theirs on their first request, on their own threads, and a client without a bundle gets Reactor
     * Netty's default TLS context on its first https connect, off the startup thread too.
     */
    static boolean startupThreadBuildsTls(ConfigurableEnvironment environment) {
        return STARTUP_THREAD_TLS.stream()
            .anyMatch((platform) -> enabled(environment, platform)
                    && StringUtils.hasText(environment.getProperty("iot." + platform + ".ssl.bundle")));
    }

    private static final List<String> STARTUP_THREAD_TLS = List.of("stellanow", "stream-sea", "stellmap");

    /**
     * Whether an enabled platform opens a SQLite file at startup: Astarte and Spotflow always (credentials,
     * properties, their queues), StellaNow and stream-sea only with a durable queue kept in SQLite. StellMap never.
     * Loading the driver's native library costs ~120 ms of CPU: wasted where no file is opened, and on two cores
     * taken from the startup thread.
     */
    static boolean opensSqliteStore(ConfigurableEnvironment environment) {
        if (enabled(environment, "astarte") || enabled(environment, "spotflow")) {
            return true;
        }
        boolean sqliteOutbox = !"application".equalsIgnoreCase(environment.getProperty("iot.storage.data-source"));
        return sqliteOutbox && DURABLE_QUEUES.stream()
            .anyMatch((platform) -> enabled(environment, platform)
                    && "durable".equalsIgnoreCase(environment.getProperty("iot." + platform + ".queue.type")));
    }

    private static final List<String> DURABLE_QUEUES = List.of("stellanow", "stream-sea");

    private static void preinitialize(ClassLoader classLoader, boolean tls, boolean sqlite) {
        // Not Paho or BouncyCastle: they are signed jars, and the JDK checks a signed jar's signature on its first
        // class load while holding that jar's lock; every class lookup of the startup thread that passes the jar on
        // the class path then waits for this thread (measured with JFR: 0.4-0.9 s of the startup thread blocked,
        // more than checking them on that thread costs). The startup thread checks them itself when it needs them.
        run(classLoader, "reactor.netty.http.client.HttpClient", reactor.netty.http.client.HttpClient::create);
        // Netty's TLS (JdkSslContext's defaults read the JVM's trust store; ~200 ms of CPU and as much again in the
        // JIT) only for the startup thread: on two cores, warming it for a background thread only took CPU from
        // the startup thread, and before ready nothing else might need it.
        if (tls) {
            run(classLoader, "io.netty.handler.ssl.SslContextBuilder",
                    () -> io.netty.handler.ssl.SslContextBuilder.forClient().build());
        }
        // The first WebClient built (its exchange strategies and codecs) cost whichever platform bean came first
        // ~100 ms of the startup thread: measured in Spotflow's provisioner, then StellaNow's token source.
        run(classLoader, "org.springframework.web.reactive.function.client.WebClient",
                () -> org.springframework.web.reactive.function.client.WebClient.builder()
                    .clientConnector(new org.springframework.http.client.reactive.ReactorClientHttpConnector(
                            reactor.netty.http.client.HttpClient.create()))
                    .build());
        // Every platform's inbound Flux and connection-state stream: Reactor's sinks, first built in the beans.
        run(classLoader, "reactor.core.publisher.Sinks",
                () -> reactor.core.publisher.Sinks.many().multicast().directBestEffort());
        if (sqlite) {
            run(classLoader, "org.sqlite.SQLiteJDBCLoader", org.sqlite.SQLiteJDBCLoader::initialize);
            load(classLoader, "com.zaxxer.hikari.pool.HikariPool");
        }
    }

    private static void load(ClassLoader classLoader, String className) {
        run(classLoader, className, () -> Class.forName(className, true, classLoader));
    }

    private static void run(ClassLoader classLoader, String requiredClass, Task task) {
        if (!ClassUtils.isPresent(requiredClass, classLoader)) {
            return;
        }
        try {
            task.run();
        }
        catch (Throwable ex) {
            // Best effort: the bean using the library reports what is wrong.
        }
    }

    @Override
    public int getOrder() {
        // After the config files are read, so iot.<platform>.enabled from application.yml is seen.
        return Ordered.LOWEST_PRECEDENCE;
    }

    @FunctionalInterface
    private interface Task {

        void run() throws Exception;
    }
}
