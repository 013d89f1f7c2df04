package dev.iotspring.sample.emulator;

import java.util.Map;

/**
 * One platform emulator the sample runs when no real cloud is configured. Each platform adds one.
 */
public interface SampleEmulator extends AutoCloseable {

    /** Platform key as in {@code iot.<platform>} and {@code sample.emulators.<platform>}. */
    String platform();

    /** Starts the emulator and returns the properties that point the application at it. */
    Map<String, Object> start() throws Exception;

    @Override
    void close();
}
