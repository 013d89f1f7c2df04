package dev.iotspring.sample.streamsea;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.iotspring.test.autoconfigure.AutoConfigureIotEmulators;
import dev.iotspring.test.autoconfigure.IotEmulators;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The sample defines its stream, publishes to it and its listener receives the reading (on the emulator). */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@AutoConfigureIotEmulators
class StreamSeaSampleTests {

    @Autowired
    StreamSeaSample sample;

    @Autowired
    WebTestClient web;

    @Autowired
    IotEmulators emulators;

    @Test
    void publishedReadingReachesTheListener() {
        await().atMost(Duration.ofSeconds(10)).until(() -> !this.sample.getReceived().isEmpty());
        assertThat(this.sample.getReceived().get(0).boilerId()).isEqualTo("boiler-1");
        // What the server accepted, as the emulator recorded it.
        assertThat(this.emulators.streamSea().acceptedMessages("boiler_readings"))
            .anySatisfy((reading) -> assertThat(reading.path("boilerId").asString()).isEqualTo("boiler-1"));
        this.web.get()
            .uri("/actuator/health")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody()
            .jsonPath("$.components.streamsea.details.connected")
            .isEqualTo(true);
    }
}
