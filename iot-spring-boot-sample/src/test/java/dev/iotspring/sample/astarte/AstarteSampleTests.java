package dev.iotspring.sample.astarte;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.iotspring.astarte.AstarteDevice;

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
class AstarteSampleTests {

    @Autowired
    WebTestClient web;

    @Autowired
    AstarteDevice astarte;

    @Test
    void theDevicePairsWithTheEmulatorSendsAndReportsHealth() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(this.astarte::isConnected);
        this.astarte.send("org.iotspring.sample.Environment", "/hall/temperature", 20.5).get();
        assertThat(this.astarte.pendingMessages()).isZero();
        this.web.get().uri("/actuator/health").exchange().expectStatus().isOk().expectBody()
            .jsonPath("$.components.astarte.status").isEqualTo("UP")
            .jsonPath("$.components.astarte.details.connected").isEqualTo(true)
            .jsonPath("$.components.astarte.details.paired").isEqualTo(true);
    }
}
