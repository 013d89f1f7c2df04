package dev.iotspring.streamsea;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import dev.iotspring.streamsea.Templates.Reading;
import dev.iotspring.test.streamsea.StreamSeaEmulator;
import dev.iotspring.test.streamsea.StreamSeaEmulator.DefaultGroupScope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Compatibility check 9 of the stream-sea spec: consumer groups. Each subscriber is its own application
 * instance (its own template and WebSocket); 300 messages are published per scenario.
 */
class StreamSeaGroupTests {

    static final int MESSAGES = 300;

    static final Set<Integer> PUBLISHED = IntStream.range(0, MESSAGES).boxed().collect(Collectors.toSet());

    static StreamSeaEmulator emulator;

    final Templates templates = new Templates(emulator);

    StreamSeaTemplate publisher;

    /** What every subscriber of the test received. */
    final List<List<Reading>> everyReceiver = new ArrayList<>();

    @BeforeAll
    static void startEmulator() {
        emulator = new StreamSeaEmulator().addClient("jail", "svc", "secret")
            .addClient("jail", "other", "secret2")
            .start();
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }

    @AfterEach
    void cleanUp() {
        this.templates.close();
        emulator.defaultGroupScope(DefaultGroupScope.PER_CLIENT);
    }

    @Test
    void membersOfOneGroupShareTheMessages() {
        String stream = define("shared");
        UUID group = UUID.randomUUID();
        List<List<Reading>> members = subscribe(3, "svc", (t) -> t.subscribe(stream, group, Reading.class));
        publishAll(stream, 3);
        assertSplitExactlyOnce(members);
        assertThat(emulator.groups("jail", stream)).containsOnlyKeys("group:" + group);
    }

    @Test
    void fanoutSubscribersEachGetEverything() {
        String stream = define("fanout");
        List<List<Reading>> subscribers = subscribe(3, "svc", (t) -> t.subscribeFanout(stream, Reading.class));
        publishAll(stream, 3);
        assertAllGetEverything(subscribers);
        assertThat(emulator.groups("jail", stream)).hasSize(3).allSatisfy((key, size) -> assertThat(size).isOne());
    }

    @Test
    void fanoutBesideAGroup() {
        String stream = define("mixed");
        UUID group = UUID.randomUUID();
        List<List<Reading>> members = subscribe(2, "svc", (t) -> t.subscribe(stream, group, Reading.class));
        List<List<Reading>> fanout = subscribe(1, "svc", (t) -> t.subscribeFanout(stream, Reading.class));
        publishAll(stream, 3);
        assertAllGetEverything(fanout);
        assertSplitExactlyOnce(members);
    }

    @Test
    void withoutGroupInstancesOfOneClientCompeteAndOtherClientsGetEverything() {
        String stream = define("default");
        List<List<Reading>> svc = subscribe(2, "svc", (t) -> t.subscribe(stream, Reading.class));
        List<List<Reading>> other = subscribe(1, "other", (t) -> t.subscribe(stream, Reading.class));
        publishAll(stream, 3);
        assertSplitExactlyOnce(svc);
        assertAllGetEverything(other);
        assertThat(emulator.groups("jail", stream)).containsOnlyKeys("default:svc", "default:other");
    }

    @Test
    void withAPerJailDefaultGroupAllClientsCompete() {
        emulator.defaultGroupScope(DefaultGroupScope.PER_JAIL);
        String stream = define("perjail");
        List<List<Reading>> all = new ArrayList<>(subscribe(1, "svc", (t) -> t.subscribe(stream, Reading.class)));
        all.addAll(subscribe(1, "other", (t) -> t.subscribe(stream, Reading.class)));
        publishAll(stream, 2);
        assertSplitExactlyOnce(all);
    }

    private String define(String stream) {
        this.publisher = this.templates.track(StreamSeaTemplate.create(this.templates.settings("svc", "secret").build()));
        this.publisher.defineStream(SchemaDefinition.builder(stream, 1)
            .field("seq", FieldType.INTEGER)
            .field("source", FieldType.STRING)
            .field("text", FieldType.STRING)
            .build());
        return stream;
    }

    private List<List<Reading>> subscribe(int count, String clientId,
            Function<StreamSeaTemplate, Flux<Reading>> subscription) {
        List<List<Reading>> received = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StreamSeaTemplate template = this.templates.start(clientId, clientId.equals("svc") ? "secret" : "secret2");
            List<Reading> list = new CopyOnWriteArrayList<>();
            this.templates.keep(subscription.apply(template).subscribe(list::add));
            received.add(list);
            this.everyReceiver.add(list);
        }
        return received;
    }

    private void publishAll(String stream, int subscribers) {
        await().atMost(Duration.ofSeconds(30)).until(() -> emulator.subscriberCount("jail", stream) == subscribers);
        // A few publishes in flight at a time: enough to interleave, without a connection per message.
        Flux.range(0, MESSAGES)
            .flatMap((i) -> Mono.fromFuture(() -> this.publisher.publish(stream, new Reading(i, "p", "m"))), 8)
            .blockLast(Duration.ofSeconds(30));
        // The emulator routed each message before answering its publish: this many delivery frames left it.
        long sent = emulator.deliveryCount(stream);
        await().atMost(Duration.ofSeconds(30))
            .until(() -> this.everyReceiver.stream().mapToInt(List::size).sum() >= sent);
    }

    /** Called once every frame the emulator sent has arrived ({@link #publishAll}): nothing more can come. */
    private static void assertSplitExactlyOnce(List<List<Reading>> members) {
        List<Integer> all = members.stream().flatMap(List::stream).map(Reading::seq).toList();
        assertThat(all).hasSize(MESSAGES).doesNotHaveDuplicates();
        assertThat(Set.copyOf(all)).isEqualTo(PUBLISHED);
        assertThat(members).allSatisfy((member) -> assertThat(member).isNotEmpty());
    }

    private static void assertAllGetEverything(List<List<Reading>> subscribers) {
        assertThat(subscribers).allSatisfy((s) -> {
            assertThat(s).hasSize(MESSAGES);
            assertThat(s.stream().map(Reading::seq).collect(Collectors.toSet())).isEqualTo(PUBLISHED);
        });
    }
}
