package dev.iotspring.benchmarks;

import static dev.iotspring.benchmarks.AlternatingPairs.median;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.function.Supplier;

import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.stellanow.StellaNowEnvelopeCodec;
import dev.iotspring.stellanow.StellaNowTemplate;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

/**
 * Goals 11.1 and 11.3 as the issue measured them: each run a fresh JVM, an application sending {@code messages}
 * StellaNow events to a broker (QoS 1, in-flight {@value StellaNowSendBenchmark#WINDOW}) against a bare Paho client
 * publishing the same envelope, runs alternating, medians. By default nothing is warmed up: the JIT compiles the
 * path while it sends, as in an application's first minute. System properties:
 * <ul>
 * <li>{@code cold.warm-passes=N}: each JVM sends the same number N times first and measures the pass after;</li>
 * <li>{@code cold.queue=durable}, {@code cold.synchronous=normal}: the starter's queue (goal 11.3; the raw side
 * stays Paho in memory);</li>
 * <li>{@code cold.threads=true}: each child's threads' CPU per message over the measured pass, printed per run.</li>
 * <li>{@code cold.raw-encodes=true}: the raw side builds and encodes every event with the starter's codec before it
 * publishes it (as {@code StellaNowSendBenchmark.rawEncodedSend}), instead of sending one envelope encoded before the
 * clock starts: what is left between the two sides is the queue, the dispatcher and the futures.</li>
 * </ul>
 *
 * <pre>
 * java -cp "$CP" dev.iotspring.benchmarks.ColdSendRounds &lt;rounds&gt; &lt;messages&gt; --broker=mqtt://localhost:1883
 * </pre>
 *
 * Each side's rate counts from its first send to its last acknowledgement; the context's startup and the
 * connection are outside it. Unlike {@link AlternatingPairs}, whose turns wait for every thousand, each side waits
 * once, at the end: against Mosquitto as it ships (Nagle's algorithm on its PUBACKs) every wait that lets the
 * window run dry stalls until a delayed ACK, and turns of thousands then measure mostly those stalls.
 */
public final class ColdSendRounds {

    private ColdSendRounds() {
    }

    public static void main(String[] args) throws Exception {
        BrokerArgument broker = BrokerArgument.parse(args);
        if (broker.rest().length > 0 && broker.rest()[0].equals("child")) {
            child(broker.rest()[1], broker.url(), Integer.parseInt(broker.rest()[2]));
            return;
        }
        if (broker.url() == null) {
            throw new IllegalArgumentException(
                    "--broker=mqtt://host:port is required: both sides need the same broker");
        }
        int rounds = (broker.rest().length > 0) ? Integer.parseInt(broker.rest()[0]) : 5;
        int messages = (broker.rest().length > 1) ? Integer.parseInt(broker.rest()[1]) : 50_000;
        alternate(rounds, messages, (side) -> List.of("-Dcold.warm-passes=" + Integer.getInteger("cold.warm-passes", 0),
                "-Dcold.threads=" + Boolean.getBoolean("cold.threads"),
                "-Dcold.raw-encodes=" + Boolean.getBoolean("cold.raw-encodes"),
                "-Dcold.queue=" + System.getProperty("cold.queue", "memory"),
                "-Dcold.synchronous=" + System.getProperty("cold.synchronous", "full"), ColdSendRounds.class.getName(),
                "child", side, String.valueOf(messages), "--broker=" + broker.url()));
    }

    /**
     * Runs {@code rounds} alternating pairs of child JVMs, {@code raw} and {@code starter}, each given the class path
     * and the arguments {@code childArguments} makes for its side, and prints each round's rates (the children's
     * {@code RATE} lines) and the medians.
     */
    static void alternate(int rounds, int messages, Function<String, List<String>> childArguments) throws Exception {
        List<Double> raw = new ArrayList<>();
        List<Double> starter = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        List<Double> rawCpu = new ArrayList<>();
        List<Double> starterCpu = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double[] rawRun;
            double[] starterRun;
            if (r % 2 == 0) {
                rawRun = run("raw", childArguments.apply("raw"));
                starterRun = run("starter", childArguments.apply("starter"));
            }
            else {
                starterRun = run("starter", childArguments.apply("starter"));
                rawRun = run("raw", childArguments.apply("raw"));
            }
            raw.add(rawRun[0]);
            starter.add(starterRun[0]);
            ratios.add(starterRun[0] / rawRun[0]);
            rawCpu.add(rawRun[1]);
            starterCpu.add(starterRun[1]);
            System.out.printf(Locale.ROOT, "round %2d: raw %8.0f  starter %8.0f msg/s  ratio %.2f  process CPU per "
                    + "message raw %.1f us, starter %.1f us%n", r + 1, rawRun[0], starterRun[0],
                    starterRun[0] / rawRun[0], rawRun[1], starterRun[1]);
        }
        System.out.printf(Locale.ROOT, "%d messages a run, a fresh JVM each, %d alternating rounds: raw median %.0f, "
                + "starter median %.0f msg/s, ratio of medians %.2f, median ratio %.2f; process CPU per message "
                + "(the broker's not counted) raw %.1f us, starter %.1f us, raw/starter %.2f%n", messages, rounds,
                median(raw), median(starter), median(starter) / median(raw), median(ratios), median(rawCpu),
                median(starterCpu), median(rawCpu) / median(starterCpu));
    }

    /** The child's rate (msg/s) and its process CPU per message (µs) over the measured pass. */
    private static double[] run(String side, List<String> arguments) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        double[] rate = { -1, 0 };
        List<String> lines = ChildOutput.read(process, (line) -> {
            if (line.startsWith("RATE ")) {
                rate[0] = Double.parseDouble(line.substring(5).trim());
            }
            else if (line.startsWith("CPU ")) {
                rate[1] = Double.parseDouble(line.substring(4).trim());
            }
            else if (line.startsWith("THREAD ")) {
                System.out.println(side + " " + line);
            }
        });
        int exit = process.waitFor();
        if (rate[0] < 0 || exit != 0) {
            lines.forEach(System.err::println);
            throw new IllegalStateException(side + " run failed (exit " + exit + ")");
        }
        return rate;
    }

    /**
     * One side in this JVM: {@code -Dcold.warm-passes} passes of {@code messages} first (default 0: the measured pass
     * is the JVM's first), then the measured pass; prints its {@code RATE} (msg/s) and process {@code CPU} (µs per
     * message), and with {@code -Dcold.threads=true} each thread's share.
     */
    private static void child(String side, String brokerUrl, int messages) throws Exception {
        int warmPasses = Integer.getInteger("cold.warm-passes", 0);
        if (side.equals("raw")) {
            // The body the starter sends, encoded once before the clock starts (JSON only, no Spring), or with
            // -Dcold.raw-encodes=true each event built and encoded as the template does it.
            StellaNowEnvelopeCodec codec = new StellaNowEnvelopeCodec(JsonMapper.builder().build(),
                    UUID.fromString(StellaNowSendBenchmark.ORGANIZATION),
                    UUID.fromString(StellaNowSendBenchmark.PROJECT));
            byte[] envelope = codec.encode(StellaNowSendBenchmark.event());
            MqttAsyncClient client = RawPahoBatch.connect(brokerUrl, "cold-raw", StellaNowSendBenchmark.WINDOW);
            Semaphore window = new Semaphore(StellaNowSendBenchmark.WINDOW);
            Supplier<byte[]> bodies = Boolean.getBoolean("cold.raw-encodes")
                    ? () -> codec.encode(StellaNowSendBenchmark.event()) : () -> envelope;
            measure(messages, warmPasses,
                    () -> RawPahoBatch.publish(client, window, codec.topic(), bodies, messages));
            client.disconnect().waitForCompletion(10_000);
            client.close();
            return;
        }
        // -Dcold.queue=durable -Dcold.synchronous=normal: goal 11.3's pair (the raw side stays Paho in memory).
        Path store = Files.createTempDirectory("iot-cold-send");
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(
                StellaNowSendBenchmark.Application.class)
            .web(WebApplicationType.NONE)
            .logStartupInfo(false)
            .properties("iot.stellanow.enabled=true",
                    "iot.stellanow.organization-id=" + StellaNowSendBenchmark.ORGANIZATION,
                    "iot.stellanow.project-id=" + StellaNowSendBenchmark.PROJECT,
                    "iot.stellanow.broker-url=" + brokerUrl,
                    "iot.stellanow.auth.strategy=none", "iot.stellanow.client-id=cold-starter",
                    "iot.stellanow.queue.type=" + System.getProperty("cold.queue", "memory"),
                    "iot.stellanow.queue.in-flight=" + StellaNowSendBenchmark.WINDOW,
                    "iot.storage.directory=" + store,
                    "iot.storage.synchronous=" + System.getProperty("cold.synchronous", "full"))
            .run()) {
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            StellaNowSendBenchmark.awaitConnected(template, brokerUrl);
            // As an application sends: one send after another, then a wait for every acknowledgement. (Waiting for
            // each thousand would drain the window each time, and against a broker with Nagle's algorithm on its
            // PUBACKs every drain stalls for a delayed ACK: both sides would mostly measure those stalls.)
            measure(messages, warmPasses, () -> {
                CompletableFuture<?>[] futures = new CompletableFuture<?>[messages];
                for (int i = 0; i < messages; i++) {
                    futures[i] = template.send(StellaNowSendBenchmark.event());
                }
                CompletableFuture.allOf(futures).join();
            });
        }
        finally {
            FileSystemUtils.deleteRecursively(store);
        }
    }

    static void measure(int messages, int warmPasses, Pass pass) throws Exception {
        for (int i = 0; i < warmPasses; i++) {
            pass.run();
        }
        ThreadCpu threads = new ThreadCpu(null);
        threads.begin();
        long start = System.nanoTime();
        pass.run();
        long elapsed = System.nanoTime() - start;
        threads.end();
        if (Boolean.getBoolean("cold.threads")) {
            // Where the measured pass's CPU went, per thread (pools folded), in µs per message: total / system.
            threads.byThread.forEach((name, used) -> System.out.printf(Locale.ROOT, "THREAD %-40s %6.2f / %5.2f%n",
                    name, used[0] / 1e3 / messages, used[1] / 1e3 / messages));
        }
        System.out.printf(Locale.ROOT, "RATE %.1f%n", messages * 1e9 / elapsed);
        System.out.printf(Locale.ROOT, "CPU %.2f%n", threads.processCpu / 1e3 / messages);
    }

    interface Pass {

        void run() throws Exception;
    }

}
