package dev.iotspring.benchmarks;

import static dev.iotspring.benchmarks.AlternatingPairs.median;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;

import dev.iotspring.astarte.AstarteDeviceIds;
import dev.iotspring.test.astarte.AstarteEmulator;
import dev.iotspring.test.spotflow.SpotflowEmulator;
import dev.iotspring.test.stellanow.StellaNowEmulator;
import dev.iotspring.test.stellmap.StellMapEmulator;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import org.springframework.boot.context.event.ApplicationReadyEvent;

/**
 * Startup time of one Spring Boot application (Boot's auto-configuration, by default on this module's class path
 * and without a web server) without and with all five platforms enabled, each start a fresh JVM, the two variants
 * alternating.
 * The five platforms point at the emulators of {@code iot-spring-boot-test}, started once in this (parent) process;
 * with {@code durable} the StellaNow and stream-sea queues are SQLite files in a fresh directory per start.
 * A start is timed from JVM start to {@link ApplicationReadyEvent} (the child reports its JVM uptime then).
 *
 * <p>Run: {@code -Dbenchmark.main=dev.iotspring.benchmarks.StartupComparison -Dbenchmark.args="7 memory"}
 * (rounds; {@code memory} or {@code durable}; {@code idle}: the starter present with no platform enabled against
 * the same application with every iot auto-configuration excluded; {@code each}: each platform alone against none;
 * {@code calibrate}: none against one WebClient of Boot's builder, with {@code -Dstartup.calibration.tls=true} over
 * TLS). With {@code -Dstartup.web=true} (built with {@code -Pstartup-web}) the application of every mode is a reactive
 * web server with Actuator; {@code -Dstartup.child.classpath} gives it an application's class path;
 * {@code -Dstartup.restart=true} restarts one device instead of starting a new one each time;
 * {@code -Dstartup.with.jvm-args}, {@code -Dstartup.without.jvm-args} and the matching {@code .classpath-prefix}
 * options launch each variant its own way (a CDS archive, AOT-generated classes: docs/benchmarks.md, "Seventh pass").
 */
public final class StartupComparison {

    private StartupComparison() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = (args.length > 0) ? Integer.parseInt(args[0]) : 7;
        boolean durable = args.length > 1 && args[1].equals("durable");
        // -Dstartup.web=true: every mode's application is a reactive web server with Actuator (-Pstartup-web).
        Map<String, Object> base = Boolean.getBoolean("startup.web") ? webApplication() : Map.of();
        Path work = Files.createTempDirectory("iot-startup");
        if (args.length > 1 && args[1].equals("idle")) {
            idle(rounds, work, base);
            System.exit(0);
        }
        try (StellaNowEmulator stellaNow = StellaNowEmulator.builder().start();
                StreamSeaEmulator streamSea = new StreamSeaEmulator().addClient("bench-jail", "bench-client",
                        "bench-secret").start();
                StellMapEmulator stellMap = StellMapEmulator.start();
                SpotflowEmulator spotflow = SpotflowEmulator.builder().autoApprove(true).start();
                AstarteEmulator astarte = AstarteEmulator.builder().realm("bench").start()) {
            Map<String, Object> all = new LinkedHashMap<>(stellaNow.springProperties());
            all.put("iot.stream-sea.enabled", "true");
            all.put("iot.stream-sea.remote-host", streamSea.host());
            all.put("iot.stream-sea.remote-port", String.valueOf(streamSea.port()));
            all.put("iot.stream-sea.secure", "false");
            all.put("iot.stream-sea.client-id", "bench-client");
            all.put("iot.stream-sea.client-secret", "bench-secret");
            all.put("iot.stellmap.enabled", "true");
            all.put("iot.stellmap.server-url", stellMap.url());
            all.put("iot.stellmap.namespace", "bench");
            all.put("iot.stellmap.organization", "iotspring");
            all.put("iot.stellmap.business-domain", "bench");
            all.put("iot.stellmap.capability-domain", "startup");
            all.put("iot.stellmap.application", "startup-bench");
            all.put("iot.stellmap.role", "api");
            all.put("iot.spotflow.enabled", "true");
            all.put("iot.spotflow.instance", spotflow.url());
            all.put("iot.spotflow.provisioning-token", spotflow.provisioningToken());
            all.put("iot.spotflow.mqtt-port", String.valueOf(spotflow.mqttPort()));
            all.put("iot.spotflow.mqtt-tls", "false");
            all.put("iot.spotflow.hub-http-port", String.valueOf(spotflow.hubHttpPort()));
            all.put("iot.spotflow.provisioning-poll-interval", "1s");
            all.put("iot.astarte.enabled", "true");
            all.put("iot.astarte.realm", astarte.realm());
            all.put("iot.astarte.pairing-url", astarte.pairingUrl());
            all.put("iot.astarte.pairing.private-key", astarte.realmPrivateKeyPem());
            all.put("iot.astarte.ssl.bundle", "astarte-emulator");
            all.put("spring.ssl.bundle.pem.astarte-emulator.truststore.certificate",
                    astarte.certificateAuthority().certificatePem());
            if (durable) {
                all.put("iot.stellanow.queue.type", "durable");
                all.put("iot.stream-sea.queue.type", "durable");
            }
            all.putAll(base);
            // One start of each first: class data and file caches warm for both variants alike.
            start(work, "warmup-none", base);
            start(work, "warmup-all", withDevice(all, 0));
            int[] round = { 0 };
            if (args.length > 1 && args[1].equals("calibrate")) {
                Map<String, Object> calibration = calibration(base, stellMap.url(), astarte);
                start(work, "warmup-webclient", calibration);
                alternate(rounds, work, "without platforms", () -> base, "Boot's WebClient, one request",
                        () -> calibration, "Startup to ApplicationReady, calibration: no platform, one WebClient of "
                                + "Boot's builder"
                                + (calibration.containsKey(StartupChild.CALIBRATION_BUNDLE) ? " over TLS" : ""));
                System.exit(0);
            }
            if (args.length > 1 && args[1].equals("each")) {
                each(rounds, work, base, all, round);
                System.exit(0);
            }
            alternate(rounds, work, "without platforms", () -> base, "with all five",
                    () -> withDevice(all, ++round[0]), "Startup to ApplicationReady ("
                            + (durable ? "StellaNow/stream-sea durable" : "in-memory") + " queues)");
            System.out.println("Slowest bean creations of the last start with all five:");
            lastSteps.forEach(System.out::println);
        }
        System.exit(0);
    }

    /** The platforms as their {@code iot.<platform>} prefixes. */
    private static final List<String> PLATFORMS = List.of("stellanow", "stream-sea", "stellmap", "spotflow", "astarte");

    /**
     * What each platform adds alone: for each, its own alternating rounds of the application without platforms and
     * with that one enabled (the others' properties present but {@code enabled=false}), in separate directories.
     */
    private static void each(int rounds, Path work, Map<String, Object> base, Map<String, Object> all, int[] round)
            throws Exception {
        Map<String, String> summary = new LinkedHashMap<>();
        // -Dstartup.platforms=stellmap,astarte: only those.
        List<String> measured = List.of(System.getProperty("startup.platforms", String.join(",", PLATFORMS)).split(","));
        for (String platform : measured) {
            Path dir = Files.createDirectories(work.resolve(platform));
            Supplier<Map<String, Object>> only = () -> {
                Map<String, Object> properties = withDevice(all, ++round[0]);
                PLATFORMS.stream()
                    .filter((other) -> !other.equals(platform))
                    .forEach((other) -> properties.put("iot." + other + ".enabled", "false"));
                return properties;
            };
            start(dir, "warmup-" + platform, only.get());
            double[] added = alternate(rounds, dir, "without platforms", () -> base, platform + " alone", only,
                    "Startup to ApplicationReady, " + platform + " alone");
            summary.put(platform, String.format(Locale.ROOT, "%+6.0f ms wall clock, %+5.0f ms main-thread CPU, "
                    + "%+6.0f ms process CPU", added[0], added[1], added[2]));
        }
        System.out.println("Added by each platform alone (medians of " + rounds + " alternating rounds each):");
        summary.forEach((platform, line) -> System.out.printf(Locale.ROOT, "  %-11s %s%n", platform, line));
    }

    /**
     * What the starter costs an application that enables no platform (and has no Spring Integration, tracing or
     * Spring Cloud on its classpath, as this module): the same application with every iot auto-configuration
     * excluded, alternating.
     */
    private static void idle(int rounds, Path work, Map<String, Object> base) throws Exception {
        List<String> ours = new ArrayList<>();
        var imports = StartupComparison.class.getClassLoader()
            .getResources("META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports");
        while (imports.hasMoreElements()) {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(imports.nextElement().openStream(), StandardCharsets.UTF_8))) {
                in.lines().map(String::trim).filter((l) -> l.startsWith("dev.iotspring.")).forEach(ours::add);
            }
        }
        Map<String, Object> excluded = new LinkedHashMap<>(base);
        excluded.put("spring.autoconfigure.exclude", String.join(",", ours));
        start(work, "warmup-excluded", excluded);
        start(work, "warmup-idle", base);
        alternate(rounds, work, ours.size() + " iot auto-configurations excluded", () -> excluded,
                "present and idle", () -> base, "Startup to ApplicationReady, no platform enabled");
    }

    /**
     * Another build to measure in the same run ({@code -Dstartup.before.classpath=<class path>}, e.g. with main's
     * autoconfigure jar): each round starts both variants with it and with this process's class path, which one
     * first alternating by round.
     */
    private static final String BEFORE_CLASSPATH = System.getProperty("startup.before.classpath");

    /**
     * The measured application's class path ({@code -Dstartup.child.classpath}): by default this process's, which
     * also holds the emulators, the embedded broker, JMH and PostgreSQL; with the option, what an application has
     * (this module's jar, the starter's runtime class path and, for {@code web}, Boot's WebFlux and Actuator).
     */
    private static final String CHILD_CLASSPATH = System.getProperty("startup.child.classpath",
            System.getProperty("java.class.path"));

    /**
     * Starts {@code a} and {@code b} alternately ({@code a} first in even rounds) and prints each round and the
     * medians: the wall clock to ready, and the CPU time of the child's main thread until then.
     */
    private static double[] alternate(int rounds, Path work, String a, Supplier<Map<String, Object>> aProperties,
            String b, Supplier<Map<String, Object>> bProperties, String title) throws Exception {
        List<String[]> builds = new ArrayList<>();
        if (BEFORE_CLASSPATH != null) {
            builds.add(new String[] { "before-", BEFORE_CLASSPATH });
            builds.add(new String[] { "after-", CHILD_CLASSPATH });
            // Warm the file cache for the other build's jars too.
            start(work, "before-warmup", bProperties.get(), BEFORE_CLASSPATH);
        }
        else {
            builds.add(new String[] { "", CHILD_CLASSPATH });
        }
        Map<String, List<List<Double>>> results = new LinkedHashMap<>();
        builds.forEach((build) -> results.put(build[0], List.of(new ArrayList<>(), new ArrayList<>(),
                new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>())));
        for (int r = 0; r < rounds; r++) {
            boolean aFirst = r % 2 == 0;
            List<String[]> order = new ArrayList<>(builds);
            if (r % 2 == 1) {
                java.util.Collections.reverse(order);
            }
            for (String[] build : order) {
                List<List<Double>> lists = results.get(build[0]);
                for (boolean first : new boolean[] { aFirst, !aFirst }) {
                    String name = build[0] + (first ? "a-" : "b-") + r;
                    double wall = start(work, name, first ? aProperties.get() : bProperties.get(), build[1]);
                    int side = first ? 0 : 1;
                    lists.get(side).add(wall);
                    lists.get(2 + side).add(Double.parseDouble(mainCpu.get(name)));
                    lists.get(4 + side).add(Double.parseDouble(processCpu.getOrDefault(name, "0")));
                }
                System.out.printf(Locale.ROOT, "round %d %s: %s %.0f ms (main thread CPU %.0f ms, process %.0f ms), "
                        + "%s %.0f ms (%.0f ms, %.0f ms), added %.0f ms%n", r + 1, build[0], a, lists.get(0).get(r),
                        lists.get(2).get(r), lists.get(4).get(r), b, lists.get(1).get(r), lists.get(3).get(r),
                        lists.get(5).get(r), lists.get(1).get(r) - lists.get(0).get(r));
            }
        }
        Map<String, Map<String, double[]>> groups = new LinkedHashMap<>();
        double[] added = new double[3];
        for (String[] build : builds) {
            List<List<Double>> l = results.get(build[0]);
            System.out.printf(Locale.ROOT, "%s%s, %d alternating rounds: %s median %.0f ms, %s median %.0f ms, added %.0f ms; "
                    + "main thread CPU medians %.0f ms and %.0f ms, added %.0f ms%n", build[0], title, rounds, a,
                    median(l.get(0)), b, median(l.get(1)), median(l.get(1)) - median(l.get(0)), median(l.get(2)),
                    median(l.get(3)), median(l.get(3)) - median(l.get(2)));
            System.out.printf(Locale.ROOT, "%sprocess CPU (all threads) until ready, medians: %s %.0f ms, %s %.0f ms, added %.0f ms%n",
                    build[0], a, median(l.get(4)), b, median(l.get(5)), median(l.get(5)) - median(l.get(4)));
            groups.put(build[0], printThreads(rounds, build[0], a, b));
            added = new double[] { median(l.get(1)) - median(l.get(0)), median(l.get(3)) - median(l.get(2)),
                    median(l.get(5)) - median(l.get(4)) };
        }
        if (!pollerCpu.isEmpty()) {
            System.out.printf(Locale.ROOT, "the parent's /proc poller took %.0f ms of CPU per start (median; on the same "
                    + "cores as the child; -Dstartup.threads=false turns it off)%n", median(pollerCpu));
        }
        if (groups.size() == 2) {
            Map<String, double[]> before = groups.get("before-");
            Map<String, double[]> after = groups.get("after-");
            java.util.Set<String> names = new java.util.TreeSet<>(before.keySet());
            names.addAll(after.keySet());
            System.out.println("CPU added by " + b + " per thread group (ms, medians): before | after | after - before");
            names.stream()
                .sorted(Comparator.comparingDouble((String g) -> added(before, g) - added(after, g)).reversed())
                .forEach((g) -> System.out.printf(Locale.ROOT, "  %-28s %+7.0f %+7.0f %+7.0f%n", g, added(before, g),
                        added(after, g), added(after, g) - added(before, g)));
        }
        return added;
    }

    private static double added(Map<String, double[]> groups, String group) {
        double[] row = groups.getOrDefault(group, new double[2]);
        return row[1] - row[0];
    }

    /**
     * Median CPU per thread group until ready, {@code a} and {@code b} over the same rounds, largest difference
     * first (the medians of the groups need not add up to the median of the process).
     */
    private static Map<String, double[]> printThreads(int rounds, String build, String a, String b) {
        java.util.Set<String> groups = new java.util.TreeSet<>();
        threadCpu.values().forEach((m) -> groups.addAll(m.keySet()));
        Map<String, double[]> medians = new LinkedHashMap<>();
        if (groups.isEmpty()) {
            return medians;
        }
        List<double[]> rows = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String group : groups) {
            List<Double> aMs = new ArrayList<>();
            List<Double> bMs = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                aMs.add(threadCpu.getOrDefault(build + "a-" + r, Map.of()).getOrDefault(group, 0.0));
                bMs.add(threadCpu.getOrDefault(build + "b-" + r, Map.of()).getOrDefault(group, 0.0));
            }
            double ma = median(aMs);
            double mb = median(bMs);
            medians.put(group, new double[] { ma, mb });
            if (ma >= 5 || mb >= 5) {
                names.add(group);
                rows.add(new double[] { ma, mb });
            }
        }
        Integer[] order = new Integer[names.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.comparingDouble((Integer i) -> rows.get(i)[1] - rows.get(i)[0]).reversed());
        System.out.printf(Locale.ROOT, "%sCPU until ready by thread group (ms, medians): %s | %s | added%n", build, a, b);
        double[] sums = new double[2];
        for (int i : order) {
            double[] row = rows.get(i);
            sums[0] += row[0];
            sums[1] += row[1];
            System.out.printf(Locale.ROOT, "  %-28s %7.0f %7.0f %+7.0f%n", names.get(i), row[0], row[1], row[1] - row[0]);
        }
        System.out.printf(Locale.ROOT, "  %-28s %7.0f %7.0f %+7.0f%n", "sum of the medians", sums[0], sums[1],
                sums[1] - sums[0]);
        return medians;
    }

    /**
     * The calibration's request: to StellMap's emulator over plain HTTP, or with {@code -Dstartup.calibration.tls=true}
     * to Astarte's pairing API over TLS, trusting its CA through an SSL bundle (the platforms talk TLS to the clouds).
     */
    private static Map<String, Object> calibration(Map<String, Object> base, String plainUrl, AstarteEmulator astarte) {
        Map<String, Object> properties = new LinkedHashMap<>(base);
        if (Boolean.getBoolean("startup.calibration.tls")) {
            properties.put("startup.calibration.url", astarte.pairingUrl());
            properties.put(StartupChild.CALIBRATION_BUNDLE, "calibration");
            properties.put("spring.ssl.bundle.pem.calibration.truststore.certificate",
                    astarte.certificateAuthority().certificatePem());
        }
        else {
            properties.put("startup.calibration.url", plainUrl);
        }
        return properties;
    }

    /**
     * The application as most that enable a platform are: a reactive web server (Reactor Netty, the HTTP library
     * the platforms use) with Actuator's health endpoint, where the platforms' health shows. Needs the benchmarks
     * built with {@code -Pstartup-web}, which adds Boot's WebFlux and Actuator starters.
     */
    private static Map<String, Object> webApplication() {
        // The measured application's class path, whether it is this process's or -Dstartup.child.classpath.
        if (!CHILD_CLASSPATH.contains("spring-boot-webflux") || !CHILD_CLASSPATH.contains("spring-boot-actuator")) {
            throw new IllegalStateException("The web mode needs Boot's WebFlux and Actuator starters on the class path: "
                    + "build the benchmarks with -Pstartup-web (or add them to -Dstartup.child.classpath)");
        }
        return Map.of("spring.main.web-application-type", "reactive", "server.port", "0",
                "management.endpoints.web.exposure.include", "health");
    }

    /** {@code -Dstartup.restart=true}: see {@link #withDevice}. */
    private static final boolean RESTART = Boolean.getBoolean("startup.restart");

    /**
     * Each start is a new Astarte device (a registered device cannot register again) and a new Spotflow device, in
     * a new storage directory: pairing and provisioning. With {@code -Dstartup.restart=true} every start with
     * platforms restarts one device instead: the same storage directory and device ids, so Astarte finds its
     * certificate and Spotflow its registration, as an application finds them on every start but its first.
     */
    private static Map<String, Object> withDevice(Map<String, Object> all, int n) {
        Map<String, Object> properties = new LinkedHashMap<>(all);
        if (RESTART) {
            properties.put("iot.astarte.device-id", RESTARTED_ASTARTE_DEVICE);
            properties.put("iot.spotflow.device-id", "startup-restarted");
            properties.put("iot.storage.directory", RESTARTED_STORE.toString());
            return properties;
        }
        properties.put("iot.astarte.device-id", AstarteDeviceIds.random());
        properties.put("iot.spotflow.device-id", "startup-" + n + "-" + System.nanoTime());
        return properties;
    }

    private static final String RESTARTED_ASTARTE_DEVICE = AstarteDeviceIds.random();

    private static final Path RESTARTED_STORE = Path.of(System.getProperty("java.io.tmpdir"),
            "iot-startup-restarted-" + ProcessHandle.current().pid());

    /** CPU time of each start's main thread until ready (less sensitive to other load than the wall clock). */
    private static final Map<String, String> mainCpu = new LinkedHashMap<>();

    /** CPU time of each start's whole process until ready. */
    private static final Map<String, String> processCpu = new LinkedHashMap<>();

    /** CPU time of the parent's poller per start (ms). */
    private static final List<Double> pollerCpu = new ArrayList<>();

    /** CPU time of each start's thread groups until ready (ms). */
    private static final Map<String, Map<String, Double>> threadCpu = new LinkedHashMap<>();

    /** The slowest bean creations of the last start with the platforms enabled. */
    private static List<String> lastSteps = List.of();

    private static double start(Path work, String name, Map<String, Object> properties) throws Exception {
        return start(work, name, properties, CHILD_CLASSPATH);
    }

    private static boolean platformsEnabled(Map<String, Object> properties) {
        return PLATFORMS.stream().anyMatch((p) -> "true".equals(String.valueOf(properties.get("iot." + p + ".enabled"))));
    }

    private static double start(Path work, String name, Map<String, Object> properties, String classPath)
            throws Exception {
        Path dir = Files.createDirectories(work.resolve(name));
        Properties props = new Properties();
        properties.forEach((k, v) -> props.setProperty(k, String.valueOf(v)));
        if (!props.containsKey("iot.storage.directory")) {
            props.setProperty("iot.storage.directory", dir.resolve("store").toString());
        }
        Path file = dir.resolve("application.properties");
        try (Writer out = Files.newBufferedWriter(file)) {
            props.store(out, null);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String variant = platformsEnabled(properties) ? "with" : "without";
        String prefix = System.getProperty("startup." + variant + ".classpath-prefix", "").trim();
        List<String> command = new ArrayList<>(List.of(java, "-cp",
                prefix.isEmpty() ? classPath : prefix + File.pathSeparator + classPath));
        // Profiling: -Dstartup.jvm-args="-XX:StartFlightRecording=filename=%s.jfr" (%s = the start's directory),
        // -Dstartup.steps=true writes every startup step of each start to <its directory>/steps.txt.
        // Each variant's own launch (Boot's startup features: a CDS archive and AOT-generated code trained on that
        // variant): -Dstartup.with.jvm-args / -Dstartup.without.jvm-args and -Dstartup.with.classpath-prefix /
        // -Dstartup.without.classpath-prefix, "with" being a start with at least one platform enabled.
        String jvmArgs = (System.getProperty("startup.jvm-args", "") + " "
                + System.getProperty("startup." + variant + ".jvm-args", "")).trim();
        if (!jvmArgs.isEmpty()) {
            for (String arg : jvmArgs.split("\\s+")) {
                command.add(arg.replace("%s", dir.toString()));
            }
        }
        if (Boolean.getBoolean("startup.steps")) {
            command.add("-Dstartup.steps.file=" + dir.resolve("steps.txt"));
        }
        command.addAll(List.of(StartupChild.class.getName(),
                "--spring.config.additional-location=file:" + file));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        StartupThreads threads = StartupThreads.poll(process.pid());
        double[] ready = { -1 };
        List<String> lines = ChildOutput.read(process, (line) -> {
            if (line.startsWith("READY ")) {
                ready[0] = Double.parseDouble(line.substring(6).trim());
                if (threads != null) {
                    threads.stop();
                }
            }
        });
        int exit = process.waitFor();
        lines.stream().filter((l) -> l.startsWith("MAIN-CPU ")).forEach((l) -> mainCpu.put(name, l.substring(9)));
        lines.stream().filter((l) -> l.startsWith("PROCESS-CPU ")).forEach((l) -> processCpu.put(name, l.substring(12)));
        if (threads != null) {
            threads.stop();
            pollerCpu.add(threads.pollerCpuMillis());
            threadCpu.put(name, threads.merge(lines.stream().filter((l) -> l.startsWith("THREAD ")).map((l) -> l.substring(7))
                .toList(), Double.parseDouble(processCpu.getOrDefault(name, "0"))));
        }
        if (!properties.isEmpty()) {
            lastSteps = lines.stream().filter((l) -> l.startsWith("STEP ")).toList();
        }
        if (ready[0] < 0 || exit != 0) {
            lines.forEach(System.err::println);
            throw new IllegalStateException("start " + name + " failed (exit " + exit + ")");
        }
        return ready[0];
    }
}
