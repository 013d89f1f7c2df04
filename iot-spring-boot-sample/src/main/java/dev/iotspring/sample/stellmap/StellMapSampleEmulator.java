package dev.iotspring.sample.stellmap;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.iotspring.sample.emulator.SampleEmulator;
import dev.iotspring.test.stellmap.StellMapEmulator;

/** An in-process StellMap node for the sample; the {@code stellmap-cloud} profile uses a real one instead. */
public class StellMapSampleEmulator implements SampleEmulator {

    private @Nullable StellMapEmulator emulator;

    @Override
    public String platform() {
        return "stellmap";
    }

    @Override
    public Map<String, Object> start() {
        StellMapEmulator started = StellMapEmulator.start();
        this.emulator = started;
        return Map.of("iot.stellmap.enabled", "true", "iot.stellmap.server-url", started.url(),
                "iot.stellmap.namespace", "sample");
    }

    @Override
    public void close() {
        if (this.emulator != null) {
            this.emulator.close();
        }
    }
}
