package dev.iotspring.stellanow;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import dev.iotspring.core.delivery.DeliveryClosedException;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttConnectionListener;
import dev.iotspring.core.queue.QueueFullException;
import dev.iotspring.stellanow.autoconfigure.StellaNowConnectionDetails;
import dev.iotspring.stellanow.autoconfigure.StellaNowHealthIndicator;
import dev.iotspring.test.mqtt.RecordedConnect;
import dev.iotspring.test.stellanow.StellaNowEmulator;
import dev.iotspring.test.stellanow.StellaNowEmulator.AuthMode;
import dev.iotspring.test.stellanow.StellaNowEmulator.ReceivedEvent;
import dev.iotspring.test.stellanow.StellaNowIdentityProvider.Fault;
import dev.iotspring.test.stellanow.StellaNowIdentityProvider.TokenRequest;

import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static dev.iotspring.stellanow.SharedEmulator.clientId;
import static dev.iotspring.stellanow.SharedEmulator.numbered;
import static dev.iotspring.stellanow.SharedEmulator.eventsFrom;
import static dev.iotspring.stellanow.SharedEmulator.numbersFrom;
import static dev.iotspring.stellanow.SharedEmulator.runner;
import static dev.iotspring.stellanow.SharedEmulator.runnerAt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The auto-configured template against the StellaNow emulator over real sockets (spec §7, behaviours 1-5, 7, 9).
 * One emulator (broker with TLS, fake identity provider) shared with the other integration tests.
 */
@ExtendWith(OutputCaptureExtension.class)
class StellaNowTemplateIntegrationTests {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    static StellaNowEmulator emulator;


    @BeforeAll
    static void emulator() {
        emulator = SharedEmulator.get();
    }

    @BeforeEach
    void reset() {
        SharedEmulator.reset();
    }

    @Test
    void publishesTheSpecEnvelopeWithQos1AndCompletesOnPuback() throws Exception {
        runner().run((context) -> {
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            Instant origin = Instant.parse("2025-06-01T09:15:30.123456Z");
            StellaNowMessage message = StellaNowMessage.builder("store_receipt")
                .entity("patron", "patron-42")
                .entity("local_shop", "shop-7")
                .payload(Map.of("transaction_id", "tx-9001", "items", 3))
                .originDate(origin)
                .build();

            SendResult result = template.send(message).get(10, TimeUnit.SECONDS);

            assertThat(result.messageId()).isEqualTo(message.messageId());
            assertThat(result.topic()).isEqualTo("in/" + emulator.organizationId());
            ReceivedEvent event = eventsFrom(clientId(context)).get(0);
            assertThat(event.publish().topic()).isEqualTo("in/" + emulator.organizationId());
            assertThat(event.publish().qos()).isEqualTo(1);
            assertThat(event.publish().retain()).isFalse();
            JsonNode envelope = event.envelope();
            assertThat(envelope.at("/key/organizationId").asString()).isEqualTo(emulator.organizationId().toString());
            assertThat(envelope.at("/key/projectId").asString()).isEqualTo(emulator.projectId().toString());
            assertThat(envelope.at("/key/entityId").asString()).isEqualTo("patron-42");
            assertThat(envelope.at("/key/entityTypeDefinitionId").asString()).isEqualTo("patron");
            assertThat(event.messageId()).isEqualTo(message.messageId())
                .matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
            assertThat(envelope.at("/value/metadata/messageOriginDateUTC").asString())
                .isEqualTo("2025-06-01T09:15:30.123456Z");
            assertThat(event.eventType()).isEqualTo("store_receipt");
            assertThat(envelope.at("/value/metadata/entityTypeIds").size()).isEqualTo(2);
            assertThat(envelope.at("/value/payload").isString()).isTrue();
            assertThat(event.payload().get("transaction_id").asString()).isEqualTo("tx-9001");
            assertThat(template.pendingMessages()).isZero();
        });
    }

    @Test
    void anApplicationsConnectionDetailsWinOverTheProperties() {
        // The properties name port 1 for the broker and the identity provider; only the bean leads to the emulator.
        runnerAt("mqtt://127.0.0.1:1", "iot.stellanow.api-base-url=http://127.0.0.1:1")
            .withBean(StellaNowConnectionDetails.class,
                    () -> StellaNowConnectionDetails.of(emulator.tcpUrl(), emulator.apiBaseUrl()))
            .run((context) -> {
                assertThat(context).hasNotFailed();
                StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
                template.send(numbered(7)).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                // The broker takes only live access tokens: this one came from the bean's identity provider.
                assertThat(numbersFrom(clientId(context))).containsExactly(7);
            });
    }

    @Test
    void typedEventsAndDeliveryCallbacksSeeEveryAcknowledgement() {
        List<SendResult> acknowledged = new CopyOnWriteArrayList<>();
        runner().withBean(StellaNowDeliveryCallback.class, () -> acknowledged::add).run((context) -> {
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            context.getBeansOfType(MeterBinder.class).values().forEach((binder) -> binder.bindTo(meters));
            CompletableFuture<SendResult> sent = template.send(new UserLogin("patron-1", "web", 3,
                    OffsetDateTime.parse("2025-05-06T10:11:12.654321+02:00")));
            assertThat(template.flush(TIMEOUT)).isTrue();
            assertThat(meters.get("iot.messages.sent").tag("platform", "stellanow").functionCounter().count()).isEqualTo(1);
            assertThat(meters.get("iot.publish.latency").tag("platform", "stellanow").timer().count()).isEqualTo(1);
            assertThat(meters.get("iot.queue.size").tag("platform", "stellanow").gauge().value()).isZero();
            assertThat(meters.get("iot.connection.state").tag("platform", "stellanow").gauge().value()).isEqualTo(1);
            assertThat(sent).isCompleted();
            assertThat(acknowledged).extracting(SendResult::messageId).containsExactly(sent.join().messageId());
            ReceivedEvent event = eventsFrom(clientId(context)).get(0);
            assertThat(event.eventType()).isEqualTo("user_login");
            assertThat(event.payload().get("login_channel").asString()).isEqualTo("web");
            assertThat(event.payload().get("attempt_count").asInt()).isEqualTo(3);
            assertThat(event.envelope().at("/value/metadata/messageOriginDateUTC").asString())
                .isEqualTo("2025-05-06T08:11:12.654321Z");
            assertThat(event.payload().has("logged_in_at")).isFalse();
        });
    }

    @Test
    void connectCarriesTheLiveAccessTokenAndEachInstanceHasItsOwnClientId() {
        runner("iot.stellanow.keep-alive=7s").run((first) -> runner().run((second) -> {
            await().atMost(TIMEOUT).until(() -> first.getBean(StellaNowTemplate.class).isConnected()
                    && second.getBean(StellaNowTemplate.class).isConnected());
            RecordedConnect connect = emulator.connects().stream()
                .filter((c) -> c.clientId().equals(clientId(first)) && c.accepted())
                .findFirst()
                .orElseThrow();
            String token = connect.info().username();
            assertThat(emulator.identityProvider().issuedAccessTokens()).contains(token);
            assertThat(connect.info().passwordAsString()).isEqualTo(token);
            assertThat(connect.info().cleanSession()).isTrue();
            assertThat(connect.info().keepAliveSeconds()).isEqualTo(7);
            assertThat(connect.info().protocolVersion()).isEqualTo(4);
            assertThat(clientId(first)).matches("^StellaNowJvm_[A-Za-z0-9_-]{10}$");
            assertThat(clientId(second)).matches("^StellaNowJvm_[A-Za-z0-9_-]{10}$").isNotEqualTo(clientId(first));
        }));
    }

    @Test
    void refreshesTheTokenBeforeExpiryAndReconnectsWithTheNewOne() {
        emulator.identityProvider().setAccessTokenLifetime(Duration.ofSeconds(3));
        runner().run((context) -> {
            String clientId = clientId(context);
            List<RecordedConnect> connects = emulator.broker()
                .awaitConnects((c) -> c.clientId().equals(clientId) && c.accepted(), 2, TIMEOUT);
            String first = connects.get(0).info().username();
            String second = connects.get(1).info().username();
            assertThat(second).isNotEqualTo(first);
            List<TokenRequest> refreshes = emulator.identityProvider().requests("refresh_token");
            assertThat(refreshes).isNotEmpty();
            // The refresh used the refresh token (no second login) and the new CONNECT carried its result; when the
            // refresh is due is OidcTokenSourceTests' business.
            assertThat(refreshes.get(0).status()).isEqualTo(200);
            assertThat(refreshes.get(0).refreshToken()).isNotBlank();
            assertThat(connects.get(1).info().receivedAt()).isAfter(refreshes.get(0).at());
            assertThat(emulator.identityProvider().requests("password")).hasSize(1);
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            assertThat(template.send(numbered(1))).succeedsWithin(TIMEOUT);
        });
    }

    @Test
    void withoutReconnectOnRefreshABrokerThatDropsExpiredSessionsGetsTheFreshTokenAtTheNextConnect() {
        emulator.identityProvider().setAccessTokenLifetime(Duration.ofSeconds(2));
        emulator.disconnectOnTokenExpiry(true);
        runner("iot.stellanow.auth.reconnect-on-refresh=false").run((context) -> {
            String clientId = clientId(context);
            List<RecordedConnect> connects = emulator.broker()
                .awaitConnects((c) -> c.clientId().equals(clientId) && c.accepted(), 2, TIMEOUT);
            assertThat(connects.get(1).info().username()).isNotEqualTo(connects.get(0).info().username());
            // Dropped at the first token's expiry (as the identity provider recorded it), not earlier on refresh.
            java.time.Instant firstExpiry = emulator.identityProvider()
                .accessTokenExpiresAt(connects.get(0).info().username());
            assertThat(connects.get(1).info().receivedAt()).isAfterOrEqualTo(firstExpiry);
            assertThat(context.getBean(StellaNowTemplate.class).send(numbered(1))).succeedsWithin(TIMEOUT);
        });
    }

    @Test
    void deadRefreshTokenLeadsToOnePasswordLoginAndPublishingGoesOn() {
        emulator.identityProvider().setAccessTokenLifetime(Duration.ofSeconds(3));
        runner().run((context) -> {
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            await().atMost(TIMEOUT).until(template::isConnected);
            emulator.identityProvider().revokeRefreshTokens();

            await().atMost(TIMEOUT).until(() -> emulator.identityProvider().requests("password").size() == 2);

            List<TokenRequest> requests = emulator.identityProvider().requests();
            int failedRefresh = indexOf(requests, "refresh_token", 400);
            assertThat(failedRefresh).isPositive();
            assertThat(requests.get(failedRefresh + 1).grantType()).isEqualTo("password");
            assertThat(requests.get(failedRefresh + 1).status()).isEqualTo(200);
            assertThat(template.send(numbered(1))).succeedsWithin(TIMEOUT);
            await().atMost(TIMEOUT).until(template::isConnected);
        });
    }

    static int indexOf(List<TokenRequest> requests, String grantType, int status) {
        for (int i = 0; i < requests.size(); i++) {
            if (requests.get(i).grantType().equals(grantType) && requests.get(i).status() == status) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void wrongPasswordIsPermanentVisibleInHealthAndStopsTheRetries(CapturedOutput output) {
        runner("iot.stellanow.auth.password=wrong", "iot.shutdown.drain-timeout=200ms").run((context) -> {
            StellaNowHealthIndicator health = context.getBean(StellaNowHealthIndicator.class);
            await().atMost(TIMEOUT).until(() -> health.health().getStatus().equals(Status.DOWN));

            // One login and the two quick retries for shared accounts, then silence: no tight loop.
            await().during(Duration.ofMillis(1500)).atMost(TIMEOUT)
                .until(() -> emulator.identityProvider().requests().size() == 3);
            assertThat(emulator.connects()).noneMatch((c) -> c.clientId().equals(clientId(context)));
            Map<String, Object> details = health.health().getDetails();
            assertThat(details.get("authentication").toString()).contains("rejected").contains("invalid_grant");
            assertThat(details.toString()).doesNotContain("wrong");
            assertThat(output).doesNotContain("=wrong").doesNotContain("password=wrong");
            // Events still queue: nothing accepted is lost.
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            template.send(numbered(1));
            assertThat(template.pendingMessages()).isEqualTo(1);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = { "ws", "mqtts", "wss", "mqtt-tcp" })
    void connectsOverEveryTransport(String transport) {
        String url = switch (transport) {
            case "ws" -> emulator.webSocketUrl();
            case "mqtts" -> emulator.tlsUrl();
            case "wss" -> emulator.secureWebSocketUrl();
            default -> emulator.tcpUrl().replace("mqtt://", "mqtt-tcp://");
        };
        runnerAt(url, "iot.stellanow.ssl.bundle=stellanow-test").run((context) -> {
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            assertThat(template.send(numbered(7))).succeedsWithin(TIMEOUT);
            assertThat(numbersFrom(clientId(context))).containsExactly(7);
            MqttConnection connection = template.connection();
            assertThat(connection.settings().endpoint().isTls()).isEqualTo(transport.equals("mqtts") || transport.equals("wss"));
            assertThat(connection.settings().endpoint().isWebSocket()).isEqualTo(transport.startsWith("w"));
        });
    }

    @Test
    void tlsNeedsTheBundleThatTrustsTheBrokersCa() {
        // Without the bundle the JVM trust store is used, which does not know the test CA: the handshake fails.
        runnerAt(emulator.tlsUrl(), "iot.shutdown.drain-timeout=200ms").run((context) -> {
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            List<Throwable> causes = new CopyOnWriteArrayList<>();
            template.connection().addConnectionListener(new MqttConnectionListener() {
                @Override
                public void disconnected(Throwable cause, boolean willRetry) {
                    causes.add(cause);
                }
            });
            template.send(numbered(1));
            // Connect attempts keep failing (100-500 ms apart), each on the certificate.
            await().atMost(TIMEOUT).until(() -> causes.stream().anyMatch(StellaNowTemplateIntegrationTests::isHandshakeFailure));
            assertThat(template.isConnected()).isFalse();
            assertThat(template.pendingMessages()).isEqualTo(1);
            assertThat(emulator.connects()).noneMatch((c) -> c.clientId().equals(clientId(context)));
            Map<String, Object> details = context.getBean(StellaNowHealthIndicator.class).health().getDetails();
            assertThat(details.get("lastFailure")).asString().containsIgnoringCase("SSL");
        });
    }

    @Test
    void fetchesItsTokensFromAnHttpsIdentityProviderThatTheBundleTrusts(@TempDir Path directory) {
        // The platform's API is https: the bundle that trusts the broker's CA must serve the token requests too.
        try (StellaNowEmulator https = StellaNowEmulator.builder().tls().httpsApi().start()) {
            Path ca = https.certificateAuthority().writeCertificatePem(directory.resolve("ca.pem"));
            assertThat(https.apiBaseUrl()).startsWith("https://");
            ApplicationContextRunner runner = SharedEmulator.runnerAt(https, ca, https.secureWebSocketUrl(),
                    "iot.shutdown.drain-timeout=200ms");

            runner.withPropertyValues("iot.stellanow.ssl.bundle=stellanow-test").run((context) -> {
                StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
                assertThat(template.send(numbered(3))).succeedsWithin(TIMEOUT);
                assertThat(https.events()).singleElement()
                    .satisfies((e) -> assertThat(e.payload().get("n").asInt()).isEqualTo(3));
                assertThat(https.identityProvider().requests())
                    .anySatisfy((r) -> assertThat(r.grantType()).isEqualTo("password"));
            });

            https.identityProvider().clearRequests();
            // Without the bundle the JVM trust store is used: the token request fails on the certificate, nothing
            // reaches the identity provider, and the event waits.
            runner.run((context) -> {
                StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
                template.send(numbered(4));
                StellaNowHealthIndicator health = context.getBean(StellaNowHealthIndicator.class);
                await().atMost(TIMEOUT).until(() -> health.health().getDetails().get("lastFailure") != null);
                assertThat(template.isConnected()).isFalse();
                assertThat(template.pendingMessages()).isEqualTo(1);
                assertThat(https.identityProvider().requests()).isEmpty();
                assertThat(health.health().getDetails().get("lastFailure")).asString()
                    .contains("Token endpoint https://localhost:")
                    .contains("certification path");
            });
        }
    }

    static boolean isHandshakeFailure(Throwable ex) {
        for (Throwable t = ex; t != null; t = (t.getCause() != t) ? t.getCause() : null) {
            if (t instanceof javax.net.ssl.SSLHandshakeException) {
                return true;
            }
        }
        return false;
    }

    @ParameterizedTest
    @EnumSource(value = Fault.class, names = { "OK_NOT_JSON", "OK_WITHOUT_ACCESS_TOKEN", "SERVER_ERROR_JSON" })
    void aBrokenIdentityProviderAnswerKeepsEventsQueuedUntilATokenComes(Fault fault) {
        emulator.identityProvider().setFault(fault);
        runner("iot.shutdown.drain-timeout=5s").run((context) -> {
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            StellaNowHealthIndicator health = context.getBean(StellaNowHealthIndicator.class);
            List<CompletableFuture<SendResult>> futures = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                futures.add(template.send(numbered(i)));
            }
            await().atMost(TIMEOUT).until(() -> health.health().getDetails().get("authentication").toString()
                .startsWith("retrying"));
            Map<String, Object> details = health.health().getDetails();
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            assertThat(details.toString()).doesNotContain(emulator.password());
            assertThat(template.isConnected()).isFalse();
            assertThat(template.pendingMessages()).isEqualTo(3);
            assertThat(futures).noneMatch(CompletableFuture::isDone);

            emulator.identityProvider().setFault(null);

            assertThat(template.flush(TIMEOUT)).isTrue();
            assertThat(futures).allSatisfy((f) -> assertThat(f).isCompleted());
            assertThat(numbersFrom(clientId(context))).containsExactly(0, 1, 2);
            assertThat(health.health().getDetails().get("authentication")).isEqualTo("ok");
        });
    }

    @Test
    void raiseExceptionRefusesTheMessageWithSizeDroppedCountAndId() {
        emulator.broker().refuseConnects(true);
        runner("iot.stellanow.queue.max-size=2").run((context) -> {
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            template.send(numbered(0));
            template.send(numbered(1));
            StellaNowMessage third = numbered(2);
            assertThatExceptionOfType(QueueFullException.class).isThrownBy(() -> template.send(third))
                .satisfies((ex) -> {
                    assertThat(ex.getQueueSize()).isEqualTo(2);
                    assertThat(ex.getDroppedCount()).isZero();
                    assertThat(ex.getMessageId()).isEqualTo(third.messageId());
                    assertThat(ex.getMessage()).contains(third.messageId());
                });
            assertThat(template.pendingMessages()).isEqualTo(2);
            assertThat(template.droppedMessages()).isZero();
            // A broker outage is not the application's fault: UP, and the details say it buffers.
            org.springframework.boot.health.contributor.Health health = context.getBean(StellaNowHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("buffering", true).containsEntry("queueSize", 2);
            assertThat(health.getDetails().get("connection")).isNotEqualTo("connected");
            emulator.broker().refuseConnects(false);
            assertThat(template.flush(TIMEOUT)).isTrue();
            assertThat(numbersFrom(clientId(context))).containsExactly(0, 1);
        });
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "fifo,drop-oldest,3 4 7 8 9", "fifo,drop-newest,0 1 2 6 7",
            "lifo,drop-oldest,5 4 9 8 7", "lifo,drop-newest,2 1 7 6 0" })
    void overflowScenariosOfThePythonSdk(String scenario) {
        String[] parts = scenario.split(",");
        List<Integer> expected = java.util.Arrays.stream(parts[2].split(" ")).map(Integer::valueOf).toList();
        emulator.broker().refuseConnects(true);
        runner("iot.stellanow.queue.order=" + parts[0], "iot.stellanow.queue.overflow=" + parts[1],
                "iot.stellanow.queue.max-size=3", "iot.stellanow.queue.in-flight=2")
            .run((context) -> {
                StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
                String clientId = clientId(context);
                List<CompletableFuture<SendResult>> futures = new ArrayList<>();
                // Produce 6 while the broker refuses us.
                for (int i = 0; i < 6; i++) {
                    futures.add(template.send(numbered(i)));
                }
                assertThat(template.droppedMessages()).isEqualTo(3);
                // Consume 2: the broker takes two and holds their PUBACKs.
                emulator.broker().withholdAcks();
                emulator.broker().refuseConnects(false);
                // (HiveMQ reads a client's next PUBLISH only after the held one, so count on the client side.)
                await().atMost(TIMEOUT).until(() -> template.stats().inFlight() == 2);
                await().atMost(TIMEOUT).until(() -> emulator.broker().heldAckCount() > 0);
                // Produce 4 more.
                for (int i = 6; i < 10; i++) {
                    futures.add(template.send(numbered(i)));
                }
                assertThat(template.droppedMessages()).isEqualTo(5);
                assertThat(template.pendingMessages()).isEqualTo(5);
                emulator.broker().releaseAcks();
                assertThat(template.flush(TIMEOUT)).isTrue();

                assertThat(numbersFrom(clientId)).containsExactlyElementsOf(expected);
                for (int i = 0; i < 10; i++) {
                    if (expected.contains(i)) {
                        assertThat(futures.get(i)).isCompleted();
                    }
                    else {
                        assertThat(futures.get(i)).isCompletedExceptionally();
                        assertThat(futures.get(i)).failsWithin(Duration.ZERO)
                            .withThrowableThat()
                            .withCauseInstanceOf(dev.iotspring.core.delivery.MessageDroppedException.class);
                    }
                }
            });
    }

    @Test
    void gracefulStopDrainsWhatIsPending() {
        List<CompletableFuture<SendResult>> futures = new ArrayList<>();
        String[] clientId = new String[1];
        emulator.broker().withholdAcks();
        runner().run((context) -> {
            clientId[0] = clientId(context);
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            for (int i = 0; i < 50; i++) {
                futures.add(template.send(numbered(i)));
            }
            await().atMost(TIMEOUT).until(() -> emulator.broker().heldAckCount() > 0);
            // Published but not acknowledged: still pending, futures open.
            assertThat(template.pendingMessages()).isEqualTo(50);
            assertThat(futures).noneMatch(CompletableFuture::isDone);
            Dispatcher dispatcher = context.getBean("stellaNowDispatcher", Dispatcher.class);
            // Release the PUBACKs only once the context is closing and the dispatcher drains.
            Thread releaser = new Thread(() -> {
                await().atMost(TIMEOUT).until(() -> dispatcher.getState() == Dispatcher.State.DRAINING);
                emulator.broker().releaseAcks();
            });
            releaser.start();
        });
        assertThat(futures).allSatisfy((f) -> assertThat(f).isCompleted());
        assertThat(numbersFrom(clientId[0])).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 50).boxed().toList());
    }

    @Test
    void inMemoryQueueLogsExactlyHowManyMessagesTheDrainCouldNotSend(CapturedOutput output) {
        List<CompletableFuture<SendResult>> futures = new ArrayList<>();
        emulator.broker().refuseConnects(true);
        runner("iot.shutdown.drain-timeout=300ms").run((context) -> {
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            for (int i = 0; i < 17; i++) {
                futures.add(template.send(numbered(i)));
            }
        });
        assertThat(output).contains("Lost 17 messages for stellanow");
        assertThat(futures).allSatisfy((f) -> assertThat(f).failsWithin(Duration.ZERO)
            .withThrowableThat()
            .withCauseInstanceOf(DeliveryClosedException.class));
    }

    /** This context's first CONNECT: the emulator is shared, so earlier tests' clients may be recorded too. */
    private static RecordedConnect firstConnectOf(AssertableApplicationContext context) {
        String id = clientId(context);
        return emulator.connects().stream().filter((c) -> c.clientId().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void basicAndNoAuthentication() {
        try {
            emulator.authMode(AuthMode.BASIC);
            runner().run((context) -> {
                assertThat(context.getBean(StellaNowTemplate.class).send(numbered(1))).succeedsWithin(TIMEOUT);
                RecordedConnect connect = firstConnectOf(context);
                assertThat(connect.info().username()).isEqualTo(emulator.username());
                assertThat(connect.info().passwordAsString()).isEqualTo(emulator.password());
                assertThat(context).doesNotHaveBean(OidcTokenSource.class);
            });
            emulator.clearRecordings();
            runner("iot.stellanow.auth.password=wrong", "iot.shutdown.drain-timeout=200ms").run((context) -> {
                emulator.broker().awaitConnects((c) -> c.clientId().equals(clientId(context)), 2, TIMEOUT);
                assertThat(emulator.connects()).noneMatch(RecordedConnect::accepted);
                assertThat(context.getBean(StellaNowTemplate.class).isConnected()).isFalse();
            });
            emulator.clearRecordings();
            emulator.authMode(AuthMode.NONE);
            runner().run((context) -> {
                assertThat(context.getBean(StellaNowTemplate.class).send(numbered(2))).succeedsWithin(TIMEOUT);
                RecordedConnect connect = firstConnectOf(context);
                assertThat(connect.info().username()).isNull();
                assertThat(connect.info().hasPassword()).isFalse();
            });
        }
        finally {
            emulator.authMode(AuthMode.OIDC);
        }
    }

    @StellaNowEvent("user_login")
    record UserLogin(@StellaNowEntity("patron") String patron, String loginChannel, int attemptCount,
            @StellaNowOriginDate OffsetDateTime loggedInAt) {
    }
}
