package dev.iotspring.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.iotspring.test.autoconfigure.AutoConfigureIotEmulators;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The sample as a newcomer runs it: every platform on its emulator, each UP under its own health name. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@AutoConfigureIotEmulators
class SampleApplicationTests {

    static final List<String> PLATFORMS = List.of("stellanow", "streamsea", "stellmap", "astarte", "spotflow");

    @Autowired
    WebTestClient web;

    @Test
    void everyPlatformIsUpUnderItsOwnName() {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Map<String, Object> health = this.web.get().uri("/actuator/health").exchange()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                })
                .returnResult()
                .getResponseBody();
            assertThat(health).containsEntry("status", "UP");
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> components = (Map<String, Map<String, Object>>) health.get("components");
            for (String platform : PLATFORMS) {
                assertThat(components).as(platform).containsKey(platform);
                assertThat(components.get(platform)).as(platform).containsEntry("status", "UP");
            }
        });
    }

    @Test
    void metricsListTheIotMeters() {
        this.web.get().uri("/actuator/metrics").exchange().expectStatus().isOk().expectBody()
            .jsonPath("$.names[?(@ == 'iot.messages.sent')]").exists()
            .jsonPath("$.names[?(@ == 'iot.connection.state')]").exists();
    }
}
