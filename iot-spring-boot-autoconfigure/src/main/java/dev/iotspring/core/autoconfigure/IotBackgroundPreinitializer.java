package dev.iotspring.core.autoconfigure;

import java.util.List;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.ClassUtils;

/**
 * Does, on a thread of its own while the application context is being prepared, the one-time JVM work the enabled
 * platforms' beans would otherwise do on the startup thread: initialising Reactor Netty and TLS (every platform's
 * HTTP or WebSocket client), loading Paho and BouncyCastle (signed jars, whose signature is verified on first load)
 * and the SQLite driver's native library. The same idea as Boot's background pre-initializers, only when at least
 * one platform is enabled: an application that enables none pays nothing. Skipped with one CPU, or with Boot's switch
 * {@code -Dspring.backgroundpreinitializer.ignore=true}. Best effort: a failure here is ignored, the bean that
 * needs the library reports it.
 */
class IotBackgroundPreinitializer implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {

    private static final List<String> PLATFORMS = List.of("stellanow", "stream-sea", "stellmap", "spotflow",
            "astarte");

    /** The platforms over MQTT (Paho). */
    private static final List<String> MQTT_PLATFORMS = List.of("stellanow", "spotflow", "astarte");

    private static boolean started;

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        ConfigurableEnvironment environment = event.getEnvironment();
        if (!anyPlatformEnabled(environment) || Boolean.getBoolean("spring.backgroundpreinitializer.ignore")
                || Runtime.getRuntime().availableProcessors() < 2) {
            return;
        }
        boolean mqtt = MQTT_PLATFORMS.stream().anyMatch((platform) -> enabled(environment, platform));
        boolean astarte = enabled(environment, "astarte");
        synchronized (IotBackgroundPreinitializer.class) {
            if (started) {
                return;
            }
            started = true;
        }
        ClassLoader classLoader = event.getSpringApplication().getClassLoader();
        Thread thread = new Thread(() -> preinitialize(classLoader, mqtt, astarte), "iot-preinit");
        thread.setDaemon(true);
        thread.start();
    }

    static boolean anyPlatformEnabled(ConfigurableEnvironment environment) {
        return PLATFORMS.stream().anyMatch((platform) -> enabled(environment, platform));
    }

    private static boolean enabled(ConfigurableEnvironment environment, String platform) {
        return environment.getProperty("iot." + platform + ".enabled", Boolean.class, false);
    }

    private static void preinitialize(ClassLoader classLoader, boolean mqtt, boolean astarte) {
        // Signed jars first: the platforms' @ConditionalOnLibrary loads them early in the context's refresh.
        if (mqtt) {
            load(classLoader, "org.eclipse.paho.client.mqttv3.MqttAsyncClient");
        }
        if (astarte) {
            load(classLoader, "org.bouncycastle.pkcs.PKCS10CertificationRequest");
        }
        run(classLoader, "reactor.netty.http.client.HttpClient", () -> {
            reactor.netty.http.client.HttpClient.create();
            io.netty.handler.ssl.SslContextBuilder.forClient().build();
        });
        run(classLoader, "org.sqlite.SQLiteJDBCLoader", org.sqlite.SQLiteJDBCLoader::initialize);
        load(classLoader, "com.zaxxer.hikari.pool.HikariPool");
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
