package dev.iotspring.sample.spotflow;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.iotspring.spotflow.SpotflowDevice;
import dev.iotspring.spotflow.SpotflowSender;

import dev.iotspring.test.autoconfigure.AutoConfigureIotEmulators;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Same configuration as SampleApplicationTests, so the cached application context (and emulators) is reused. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@AutoConfigureIotEmulators
class SpotflowSampleTests {

    @Autowired
    WebTestClient web;

    @Autowired
    SpotflowSender sender;

    @Autowired
    SpotflowDevice device;

    @Test
    void theDeviceIsProvisionedAndItsMeasurementsAreAcknowledged() {
        await().atMost(Duration.ofSeconds(60)).until(() -> this.sender.isConnected());
        assertThat(this.sender.waitEnqueuedMessagesSent(Duration.ofSeconds(30))).isTrue();
        assertThat(this.device.getDeviceId()).isEqualTo("sample-device");
        await().atMost(Duration.ofSeconds(30)).until(() -> !this.device.anyPendingReportedPropertiesUpdates());
        this.web.get().uri("/actuator/health").exchange().expectStatus().isOk().expectBody()
            .jsonPath("$.components.spotflow.status").isEqualTo("UP")
            .jsonPath("$.components.spotflow.details.provisioning").isEqualTo("registered");
        this.web.get().uri("/actuator/metrics/iot.messages.sent?tag=platform:spotflow").exchange()
            .expectStatus().isOk();
    }
}
