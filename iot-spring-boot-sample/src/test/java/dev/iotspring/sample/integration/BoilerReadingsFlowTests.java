package dev.iotspring.sample.integration;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.iotspring.stellanow.StellaNowTemplate;
import dev.iotspring.test.autoconfigure.AutoConfigureIotEmulators;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Same configuration as SampleApplicationTests, so the cached application context (and emulators) is reused. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@AutoConfigureIotEmulators
class BoilerReadingsFlowTests {

    @Autowired
    BoilerReadingsFlow flow;

    @Autowired
    StellaNowTemplate stellaNow;

    @Test
    void boilerReadingsFromStreamSeaReachStellaNowThroughTheFlow() {
        await().atMost(Duration.ofSeconds(60)).until(() -> this.flow.forwarded() >= 1);
        assertThat(this.stellaNow.stats().sent()).isGreaterThanOrEqualTo(this.flow.forwarded());
    }
}
