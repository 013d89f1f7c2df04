package dev.iotspring.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/** What a user sees when a platform is enabled with a missing or bad property: Boot's failure report. */
@ExtendWith(OutputCaptureExtension.class)
class IotConfigurationFailureAnalyzerTests {

    @Test
    void missingPropertyIsReportedByNameWithAnExample(CapturedOutput output) {
        assertThatException().isThrownBy(() -> run("--iot.stellanow.enabled=true",
                "--iot.stellanow.project-id=123e4567-e89b-12d3-a456-426614174000"));
        assertThat(output).contains("APPLICATION FAILED TO START")
            .contains("'iot.stellanow.organization-id'")
            .contains("organization-id:");
    }

    @Test
    void invalidValueIsReportedWithoutEchoingIt(CapturedOutput output) {
        assertThatException().isThrownBy(() -> run("--iot.stellanow.enabled=true",
                "--iot.stellanow.organization-id=not-a-uuid-s3cret",
                "--iot.stellanow.project-id=123e4567-e89b-12d3-a456-426614174000"));
        assertThat(output).contains("APPLICATION FAILED TO START")
            .contains("'iot.stellanow.organization-id'")
            .doesNotContain("not-a-uuid-s3cret");
    }

    private static void run(String... args) {
        SpringApplication application = new SpringApplication(EmptyApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.run(args).close();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class EmptyApplication {

    }
}
