package dev.iotspring.streamsea;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.streamsea.Templates.Reading;
import dev.iotspring.test.streamsea.ConnectionRecord;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/** Compatibility check 10 of the stream-sea spec: RS512 JWTs on the WebSocket. */
class StreamSeaJwtTests {

    static final JsonMapper JSON = JsonMapper.builder().build();

    static StreamSeaEmulator emulator;

    static KeyPair keys;

    static String pkcs1Pem;

    static String pkcs8Pem;

    final Templates templates = new Templates(emulator);

    @BeforeAll
    static void startEmulator() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        keys = generator.generateKeyPair();
        pkcs1Pem = pem(keys.getPrivate());
        pkcs8Pem = pem(new JcaPKCS8Generator(keys.getPrivate(), null));
        emulator = new StreamSeaEmulator().addClient("jail", "browser", "secret")
            .registerJwtPublicKey("browser", StreamSeaEmulator.readPublicKey(pem(keys.getPublic())))
            .start();
        Templates.defineStreams(emulator, "browser", "secret", Templates.READINGS);
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }

    @AfterEach
    void cleanUp() {
        this.templates.close();
    }

    @Test
    void startReturnsAtOnceAndConnectsOnAThreadOfItsOwn() {
        // The first connect sets up Reactor Netty's client: not on the thread that starts the application.
        List<String> threads = new CopyOnWriteArrayList<>();
        StreamSeaTokenSource signer = StreamSeaJwtSigner.fromPem(pkcs8Pem, Duration.ofMinutes(5), false);
        StreamSeaTemplate template = this.templates.start("browser", "secret", (s) -> s.clientSecret(null)
            .tokenSource(() -> {
                threads.add(Thread.currentThread().getName());
                return signer.token();
            }));
        this.templates.awaitAuthenticated(template);
        assertThat(threads).isNotEmpty().doesNotContain(Thread.currentThread().getName());
    }

    @Test
    void readsPkcs1AndPkcs8PemKeys() {
        assertThat(pkcs1Pem).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(pkcs8Pem).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(StreamSeaJwtSigner.readPrivateKey(pkcs1Pem)).isEqualTo(keys.getPrivate());
        assertThat(StreamSeaJwtSigner.readPrivateKey(pkcs8Pem.replace("\n", "\r\n"))).isEqualTo(keys.getPrivate());
        assertThatIllegalArgumentException().isThrownBy(() -> StreamSeaJwtSigner.readPrivateKey("not a key"))
            .withMessageNotContaining("not a key");
    }

    @Test
    void mintedTokenIsAnRs512JwtWithExpAndMustFanout() throws Exception {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        StreamSeaJwtSigner signer = new StreamSeaJwtSigner(StreamSeaJwtSigner.readPrivateKey(pkcs1Pem),
                Duration.ofMinutes(5), true, Clock.fixed(now, java.time.ZoneOffset.UTC));
        String[] parts = signer.token().split("\\.");
        assertThat(parts).hasSize(3);
        Base64.Decoder decoder = Base64.getUrlDecoder();
        assertThat(new String(decoder.decode(parts[0]), StandardCharsets.UTF_8))
            .isEqualTo("{\"alg\":\"RS512\",\"typ\":\"JWT\"}");
        JsonNode claims = JSON.readTree(decoder.decode(parts[1]));
        assertThat(claims.get("exp").asLong()).isEqualTo(now.plusSeconds(300).getEpochSecond());
        assertThat(claims.get("mustFanout").asBoolean()).isTrue();
        Signature verifier = Signature.getInstance("SHA512withRSA");
        verifier.initVerify(keys.getPublic());
        verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(verifier.verify(decoder.decode(parts[2]))).isTrue();
        assertThat(signer.toString()).doesNotContain(pkcs1Pem.substring(40, 80));
    }

    @Test
    void connectsWithAMintedToken() {
        StreamSeaTemplate template = this.templates.start("browser", "ignored",
                (s) -> s.clientSecret(null).tokenSource(StreamSeaJwtSigner.fromPem(pkcs8Pem, Duration.ofMinutes(5), false)));
        List<Reading> received = new CopyOnWriteArrayList<>();
        this.templates.keep(template.subscribeFanout("readings", Reading.class).subscribe(received::add));
        ConnectionRecord connection = this.templates.awaitAuthenticated(template);
        assertThat(connection.jwt()).isTrue();
        JsonNode auth = emulator.inboundMessages(connection.id()).get(0);
        assertThat(auth.get("payload").propertyNames()).containsExactly("type", "clientId", "jwt");
        assertThat(auth.get("payload").get("type").asString()).isEqualTo("jwt");
        assertThat(auth.get("payload").get("clientId").asString()).isEqualTo("browser");
        await().until(() -> emulator.subscriberCount("jail", "readings") == 1);
        publisher().publish("readings", new Reading(1, "a", "b")).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 1);
    }

    @Test
    void expiredTokenIsRefused() {
        String expired = StreamSeaJwtSigner.fromPem(pkcs1Pem, Duration.ofSeconds(-60), false).token();
        List<StreamSeaException> errors = new CopyOnWriteArrayList<>();
        StreamSeaTemplate template = this.templates.track(StreamSeaTemplate.create(this.templates
            .settings("browser", "ignored")
            .clientSecret(null)
            .tokenSource(StreamSeaTokenSource.fixed(expired))
            .build()));
        this.templates.keep(template.connectionErrors().subscribe(errors::add));
        template.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> !errors.isEmpty());
        assertThat(errors.get(0)).isInstanceOfSatisfying(StreamSeaAuthenticationException.class,
                (ex) -> assertThat(ex.getServerMessage()).isEqualTo("The JWT has expired"));
        assertThat(template.connectionState().connected()).isFalse();
    }

    @Test
    void atExpiryTheServerClosesAndTheClientReconnectsWithAFreshToken() {
        // exp has one-second granularity: the token expires 1-2 s after it is minted.
        StreamSeaTemplate template = this.templates.start("browser", "ignored",
                (s) -> s.clientSecret(null).tokenSource(StreamSeaJwtSigner.fromPem(pkcs1Pem, Duration.ofSeconds(2), false)));
        List<Reading> received = new CopyOnWriteArrayList<>();
        this.templates.keep(template.subscribeFanout("readings", Reading.class).subscribe(received::add));
        ConnectionRecord first = this.templates.awaitAuthenticated(template);
        await().atMost(Duration.ofSeconds(5)).until(() -> emulator.connections().stream()
            .anyMatch((c) -> c.id() > first.id() && c.authenticatedAt() != null));
        ConnectionRecord second = emulator.connections().stream().filter((c) -> c.id() > first.id()).findFirst().get();
        // The emulator closed the first socket at exp; the client did not close it itself.
        assertThat(emulator.connections().stream().filter((c) -> c.id() == first.id()).findFirst().orElseThrow()
            .closedByClient()).isFalse();
        String firstToken = emulator.inboundMessages(first.id()).get(0).at("/payload/jwt").asString();
        String secondToken = emulator.inboundMessages(second.id()).get(0).at("/payload/jwt").asString();
        assertThat(secondToken).isNotEqualTo(firstToken);
        await().atMost(Duration.ofSeconds(2)).until(() -> emulator.inboundFrames(second.id()).size() == 2);
        await().until(() -> emulator.subscriberCount("jail", "readings") == 1);
        publisher().publish("readings", new Reading(2, "a", "b")).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 1);
    }

    @Test
    void mustFanoutTokensAlwaysGetAPrivateGroup() {
        UUID group = UUID.randomUUID();
        List<List<Reading>> received = List.of(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
        for (List<Reading> list : received) {
            StreamSeaTemplate template = this.templates.start("browser", "ignored",
                    (s) -> s.clientSecret(null).tokenSource(StreamSeaJwtSigner.fromPem(pkcs1Pem, Duration.ofMinutes(5), true)));
            // Asks for a shared group; the token's mustFanout overrides it.
            this.templates.keep(template.subscribe("readings", group, Reading.class).subscribe(list::add));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> emulator.subscriberCount("jail", "readings") == 2);
        assertThat(emulator.groups("jail", "readings")).hasSize(2)
            .allSatisfy((key, size) -> assertThat(key).startsWith("private:"));
        StreamSeaTemplate publisher = publisher();
        for (int i = 0; i < 10; i++) {
            publisher.publish("readings", new Reading(i, "a", "b")).join();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> received.stream().allMatch((l) -> l.size() == 10));
    }

    @Test
    void aTokensFilterDecidesWhichMessagesItsBearerReceives() throws Exception {
        // Only readings with seq 1 or 3: stream-sea evaluates the token's filter on every message (spec §4).
        String filter = "{\"t\":\"and\",\"e\":[{\"t\":\"eq\",\"e\":[{\"t\":\"meta\",\"e\":\"streamName\"},"
                + "{\"t\":\"string\",\"e\":\"readings\"}]},{\"t\":\"or\",\"e\":["
                + "{\"t\":\"eq\",\"e\":[{\"t\":\"path\",\"e\":\"seq\"},{\"t\":\"number\",\"e\":1}]},"
                + "{\"t\":\"eq\",\"e\":[{\"t\":\"path\",\"e\":\"$.seq\"},{\"t\":\"number\",\"e\":3}]}]}]}";
        String token = signed("{\"exp\":" + (Instant.now().getEpochSecond() + 300) + ",\"mustFanout\":true,\"filter\":"
                + filter + "}");
        List<Reading> received = new CopyOnWriteArrayList<>();
        StreamSeaTemplate bearer = this.templates.start("browser", "ignored",
                (s) -> s.clientSecret(null).tokenSource(StreamSeaTokenSource.fixed(token)));
        this.templates.keep(bearer.subscribeFanout("readings", Reading.class).subscribe(received::add));
        await().atMost(Duration.ofSeconds(5)).until(() -> emulator.subscriberCount("jail", "readings") == 1);
        StreamSeaTemplate publisher = publisher();
        for (int seq : new int[] { 1, 2, 3, 4, 1 }) {
            publisher.publish("readings", new Reading(seq, "a", "b")).join();
        }
        // Deliveries keep their order on the socket: 2 or 4 would have come before the last 1.
        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 3);
        assertThat(received).extracting(Reading::seq).containsExactly(1, 3, 1);
    }

    /** An RS512 JWT of these claims, signed with the registered key's private half. */
    private static String signed(String claims) throws Exception {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        String unsigned = base64.encodeToString("{\"alg\":\"RS512\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
                + "." + base64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Signature rs512 = Signature.getInstance("SHA512withRSA");
        rs512.initSign(keys.getPrivate());
        rs512.update(unsigned.getBytes(StandardCharsets.US_ASCII));
        return unsigned + "." + base64.encodeToString(rs512.sign());
    }

    private StreamSeaTemplate publisher() {
        return this.templates.track(StreamSeaTemplate.create(this.templates.settings("browser", "secret").build()));
    }

    private static String pem(Object object) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }
}
