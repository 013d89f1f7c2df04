package dev.iotspring.test.mqtt;

import java.lang.reflect.Method;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers HiveMQ's chatty INFO logging (banner, listener and extension lines) to warnings when Logback is the
 * SLF4J backend (reflectively: Logback is HiveMQ's runtime dependency, not ours). Spring Boot resets levels
 * when a context starts; the broker quietens them again on each start, which is when most of the noise
 * happens. A level the application configured itself is left alone.
 */
final class BrokerLogging {

    private static final String[] NOISY = { "com.hivemq", "jetbrains.exodus", "org.rocksdb", "oshi", "migrations",
            "event" };

    private BrokerLogging() {
    }

    static void quieten() {
        try {
            Class<?> levelClass = Class.forName("ch.qos.logback.classic.Level");
            Object warn = levelClass.getField("WARN").get(null);
            for (String name : NOISY) {
                Logger logger = LoggerFactory.getLogger(name);
                if (!logger.getClass().getName().equals("ch.qos.logback.classic.Logger")) {
                    return;
                }
                Method getLevel = logger.getClass().getMethod("getLevel");
                if (getLevel.invoke(logger) == null) {
                    logger.getClass().getMethod("setLevel", levelClass).invoke(logger, warn);
                }
            }
        }
        catch (ReflectiveOperationException | LinkageError ex) {
            // Another logging backend: its own configuration decides.
        }
    }
}
