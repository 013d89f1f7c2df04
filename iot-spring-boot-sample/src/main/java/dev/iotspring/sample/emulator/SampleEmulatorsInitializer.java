package dev.iotspring.sample.emulator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Starts the emulators of {@code iot-spring-boot-test} before the starter's beans connect, unless
 * {@code sample.emulators.<platform>=false} (the {@code *-cloud} profiles set that). They are closed after the
 * application's beans, so shutdown drains still reach them.
 */
public class SampleEmulatorsInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    private static final Logger logger = LoggerFactory.getLogger(SampleEmulatorsInitializer.class);

    static List<SampleEmulator> emulators() {
        List<SampleEmulator> emulators = new ArrayList<>();
        emulators.add(new dev.iotspring.sample.streamsea.StreamSeaSampleEmulator());
        emulators.add(new dev.iotspring.sample.stellmap.StellMapSampleEmulator());
        emulators.add(new dev.iotspring.sample.stellanow.StellaNowSampleEmulator());
        emulators.add(new dev.iotspring.sample.spotflow.SpotflowSampleEmulator());
        emulators.add(new dev.iotspring.sample.astarte.AstarteSampleEmulator());
        return emulators;
    }

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        ConfigurableEnvironment environment = context.getEnvironment();
        Map<String, Object> properties = new LinkedHashMap<>();
        List<SampleEmulator> started = new ArrayList<>();
        for (SampleEmulator emulator : emulators()) {
            if (!environment.getProperty("sample.emulators." + emulator.platform(), Boolean.class, true)) {
                continue;
            }
            try {
                properties.putAll(emulator.start());
                started.add(emulator);
                logger.info("Started the {} emulator", emulator.platform());
            }
            catch (Exception ex) {
                started.forEach(SampleEmulator::close);
                throw new IllegalStateException("Cannot start the " + emulator.platform() + " emulator", ex);
            }
        }
        // Lowest precedence: anything the user configures wins over the emulator defaults.
        environment.getPropertySources().addLast(new MapPropertySource("sample-emulators", properties));
        if (context.getBeanFactory() instanceof DefaultListableBeanFactory beanFactory) {
            beanFactory.registerDisposableBean("sampleEmulators", () -> started.forEach(SampleEmulator::close));
        }
    }
}
