package dev.iotspring.streamsea;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import dev.iotspring.streamsea.Templates.Reading;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class StreamSeaSmokeTests {

    static StreamSeaEmulator emulator;

    Templates templates = new Templates(emulator);

    @BeforeAll
    static void startEmulator() {
        emulator = new StreamSeaEmulator().addClient("jail", "svc", "secret").start();
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }

    @AfterEach
    void closeTemplates() {
        templates.close();
    }

    @Test
    void publishedMessageReachesSubscriber() {
        StreamSeaTemplate template = templates.start("svc", "secret");
        template.defineStream(Templates.READINGS);
        List<Reading> received = new CopyOnWriteArrayList<>();
        Disposable subscription = template.subscribe("readings", Reading.class).subscribe(received::add);
        await().atMost(Duration.ofSeconds(5)).until(() -> template.connectionState().connected());
        await().until(() -> emulator.inboundFrames().size() >= 2);
        template.publish("readings", new Reading(1, "a", "hello")).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 1);
        assertThat(received).containsExactly(new Reading(1, "a", "hello"));
        subscription.dispose();
        System.out.println(emulator.inboundFrames());
        System.out.println(emulator.httpRequests());
    }
}
