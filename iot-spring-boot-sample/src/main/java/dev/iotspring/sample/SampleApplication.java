package dev.iotspring.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Uses every bean of the starter. By default it runs against the emulators of {@code iot-spring-boot-test},
 * started by {@link dev.iotspring.sample.emulator.SampleEmulatorsInitializer}; a profile per platform points it at the real cloud.
 */
@SpringBootApplication
public class SampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }
}
