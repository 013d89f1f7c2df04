package dev.iotspring.sample;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.iotspring.astarte.AstarteDevice;
import dev.iotspring.core.delivery.DeliveryClosedException;
import dev.iotspring.spotflow.SpotflowSender;
import dev.iotspring.test.autoconfigure.AutoConfigureIotEmulators;
import dev.iotspring.test.autoconfigure.IotEmulators;
import dev.iotspring.test.spotflow.StreamMessage;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Spring's test framework pauses a cached context (stops its lifecycle beans) while other tests run and restarts it
 * when a test needs it again, as it does with this one between the sample's tests: every platform comes back.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@AutoConfigureIotEmulators
class SamplePauseTests {

    @Autowired
    ConfigurableApplicationContext context;

    @Autowired
    WebTestClient web;

    @Autowired
    IotEmulators emulators;

    @Autowired
    AstarteDevice astarte;

    @Autowired
    SpotflowSender spotflow;

    @Test
    void everyPlatformComesBackAfterAPauseAndSendsAgain() throws Exception {
        awaitEveryPlatformUp();
        this.context.pause();
        // Paused, a platform takes no message and says why; nothing is queued for later.
        assertThatThrownBy(() -> this.spotflow.sendMessage("while paused")).isInstanceOf(DeliveryClosedException.class)
            .hasMessageContaining("stopped").hasMessageContaining("until it starts again");
        this.context.restart();
        awaitEveryPlatformUp();
        this.astarte.send("org.iotspring.sample.Environment", "/hall/temperature", 21.5).get();
        String body = "{\"afterPause\":" + System.nanoTime() + "}";
        this.spotflow.sendMessage(body);
        await().atMost(Duration.ofSeconds(30)).until(() -> this.emulators.spotflow().streamMessages().stream()
            .map(StreamMessage::bodyAsString).anyMatch(body::equals));
    }

    private void awaitEveryPlatformUp() {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Map<String, Object> health = this.web.get().uri("/actuator/health").exchange()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                })
                .returnResult()
                .getResponseBody();
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> components = (Map<String, Map<String, Object>>) health.get("components");
            for (String platform : SampleApplicationTests.PLATFORMS) {
                assertThat(components.get(platform)).as(platform).containsEntry("status", "UP");
            }
        });
    }
}
