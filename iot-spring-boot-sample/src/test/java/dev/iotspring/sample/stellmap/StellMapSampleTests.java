package dev.iotspring.sample.stellmap;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.iotspring.stellmap.InstanceQuery;
import dev.iotspring.stellmap.ServiceInstance;
import dev.iotspring.stellmap.StellMapRegistry;
import dev.iotspring.test.autoconfigure.AutoConfigureIotEmulators;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The sample registers itself in the emulated StellMap and reports it in its health. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@AutoConfigureIotEmulators
class StellMapSampleTests {

    @Autowired
    WebTestClient web;

    @Autowired
    StellMapRegistry registry;

    @LocalServerPort
    int port;

    @Test
    void theSampleIsRegisteredWithItsActualPort() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(this.registry
            .queryInstances(InstanceQuery.namespace("sample").service("iotspring.samples.devices.iot-sample.api").build()))
            .singleElement()
            .satisfies((ServiceInstance instance) -> assertThat(instance.endpoint("http").orElseThrow().port())
                .isEqualTo(this.port)));
        this.web.get().uri("/actuator/health").exchange().expectStatus().isOk().expectBody()
            .jsonPath("$.components.stellmap.status").isEqualTo("UP")
            .jsonPath("$.components.stellmap.details.registered").isEqualTo(true)
            .jsonPath("$.components.stellmap.details.connected").isEqualTo(true);
    }
}
