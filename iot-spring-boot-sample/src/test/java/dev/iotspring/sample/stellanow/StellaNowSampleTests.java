package dev.iotspring.sample.stellanow;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.iotspring.stellanow.StellaNowTemplate;

import dev.iotspring.test.autoconfigure.AutoConfigureIotEmulators;
import dev.iotspring.test.autoconfigure.IotEmulators;

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
class StellaNowSampleTests {

    @Autowired
    WebTestClient web;

    @Autowired
    IotEmulators emulators;

    @Autowired
    StellaNowTemplate stellaNow;

    @Test
    void theStartupEventReachesTheEmulatorAndHealthShowsStellaNow() {
        await().atMost(Duration.ofSeconds(20)).until(() -> this.stellaNow.stats().sent() >= 1);
        assertThat(this.stellaNow.isConnected()).isTrue();
        assertThat(this.emulators.stellaNow().events()).isNotEmpty();
        this.web.get().uri("/actuator/health").exchange().expectStatus().isOk().expectBody()
            .jsonPath("$.components.stellanow.status").isEqualTo("UP")
            .jsonPath("$.components.stellanow.details.connection").isEqualTo("connected");
        this.web.get().uri("/actuator/metrics/iot.messages.sent?tag=platform:stellanow").exchange()
            .expectStatus().isOk();
    }
}
