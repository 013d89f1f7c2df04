package dev.iotspring.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import dev.iotspring.astarte.AstarteDeviceIds;
import dev.iotspring.test.astarte.AstarteEmulator;
import dev.iotspring.test.spotflow.SpotflowEmulator;
import dev.iotspring.test.stellanow.StellaNowEmulator;
import dev.iotspring.test.stellmap.StellMapEmulator;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.metrics.buffering.BufferingApplicationStartup;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * Startup time of one Spring Boot application (all of Boot's auto-configuration on this module's classpath, no
 * web server) without and with all five platforms enabled, each start a fresh JVM, the two variants alternating.
 * The five platforms point at the emulators of {@code iot-spring-boot-test}, started once in this (parent) process;
 * with {@code durable} the StellaNow and stream-sea queues are SQLite files in a fresh directory per start.
 * A start is timed from JVM start to {@link ApplicationReadyEvent} (the child reports its JVM uptime then).
 *
 * <p>Run: {@code -Dbenchmark.main=dev.iotspring.benchmarks.StartupComparison -Dbenchmark.args="7 memory"}
 * (rounds; {@code memory} or {@code durable}; {@code idle}: the starter present with no platform enabled against
 * the same application with every iot auto-configuration excluded).
 */
public final class StartupComparison {

    private StartupComparison() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            Child.run(args);
            return;
        }
        int rounds = (args.length > 0) ? Integer.parseInt(args[0]) : 7;
        boolean durable = args.length > 1 && args[1].equals("durable");
        Path work = Files.createTempDirectory("iot-startup");
        if (args.length > 1 && args[1].equals("idle")) {
            idle(rounds, work);
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
            List<Double> without = new ArrayList<>();
            List<Double> with = new ArrayList<>();
            // One start of each first: class data and file caches warm for both variants alike.
            start(work, "warmup-none", Map.of());
            start(work, "warmup-all", withDevice(all, 0));
            for (int r = 0; r < rounds; r++) {
                boolean noneFirst = r % 2 == 0;
                double a = start(work, (noneFirst ? "none-" : "all-") + r, noneFirst ? Map.of() : withDevice(all, r + 1));
                double b = start(work, (noneFirst ? "all-" : "none-") + r, noneFirst ? withDevice(all, r + 1) : Map.of());
                double none = noneFirst ? a : b;
                double five = noneFirst ? b : a;
                without.add(none);
                with.add(five);
                System.out.printf(Locale.ROOT, "round %d: without %.0f ms, with all five %.0f ms, added %.0f ms%n", r + 1,
                        none, five, five - none);
            }
            double mNone = median(without);
            double mAll = median(with);
            System.out.printf(Locale.ROOT, "Startup to ApplicationReady (%s queues), %d alternating rounds: without "
                    + "platforms median %.0f ms, with all five median %.0f ms, added %.0f ms%n",
                    durable ? "StellaNow/stream-sea durable" : "in-memory", rounds, mNone, mAll, mAll - mNone);
            System.out.println("Slowest bean creations of the last start with all five:");
            lastSteps.forEach(System.out::println);
        }
        System.exit(0);
    }

    /**
     * What the starter costs an application that enables no platform (and has no Spring Integration, tracing or
     * Spring Cloud on its classpath, as this module): the same application with every iot auto-configuration
     * excluded, alternating.
     */
    private static void idle(int rounds, Path work) throws Exception {
        List<String> ours = new ArrayList<>();
        var imports = StartupComparison.class.getClassLoader()
            .getResources("META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports");
        while (imports.hasMoreElements()) {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(imports.nextElement().openStream(), StandardCharsets.UTF_8))) {
                in.lines().map(String::trim).filter((l) -> l.startsWith("dev.iotspring.")).forEach(ours::add);
            }
        }
        Map<String, Object> excluded = Map.of("spring.autoconfigure.exclude", String.join(",", ours));
        List<Double> without = new ArrayList<>();
        List<Double> idle = new ArrayList<>();
        start(work, "warmup-excluded", excluded);
        start(work, "warmup-idle", Map.of());
        for (int r = 0; r < rounds; r++) {
            boolean excludedFirst = r % 2 == 0;
            double a = start(work, "a-" + r, excludedFirst ? excluded : Map.of());
            double b = start(work, "b-" + r, excludedFirst ? Map.of() : excluded);
            without.add(excludedFirst ? a : b);
            idle.add(excludedFirst ? b : a);
            System.out.printf(Locale.ROOT, "round %d: %d iot auto-configurations excluded %.0f ms, present and idle "
                    + "%.0f ms%n", r + 1, ours.size(), without.get(r), idle.get(r));
        }
        System.out.printf(Locale.ROOT, "Startup to ApplicationReady, no platform enabled, %d alternating rounds: iot "
                + "auto-configurations excluded median %.0f ms, present median %.0f ms, added %.0f ms%n", rounds,
                median(without), median(idle), median(idle) - median(without));
    }

    /** Each start is a new Astarte device (a registered device cannot register again). */
    private static Map<String, Object> withDevice(Map<String, Object> all, int n) {
        Map<String, Object> properties = new LinkedHashMap<>(all);
        properties.put("iot.astarte.device-id", AstarteDeviceIds.random());
        properties.put("iot.spotflow.device-id", "startup-" + n + "-" + System.nanoTime());
        return properties;
    }

    /** The slowest bean creations of the last start with the platforms enabled. */
    private static List<String> lastSteps = List.of();

    private static double start(Path work, String name, Map<String, Object> properties) throws Exception {
        Path dir = Files.createDirectories(work.resolve(name));
        Properties props = new Properties();
        properties.forEach((k, v) -> props.setProperty(k, String.valueOf(v)));
        props.setProperty("iot.storage.directory", dir.resolve("store").toString());
        Path file = dir.resolve("application.properties");
        try (Writer out = Files.newBufferedWriter(file)) {
            props.store(out, null);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                StartupComparison.class.getName(), "child", "--spring.config.additional-location=file:" + file)
            .redirectErrorStream(true)
            .start();
        double ready = -1;
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("READY ")) {
                    ready = Double.parseDouble(line.substring(6).trim());
                }
            }
        }
        int exit = process.waitFor();
        if (!properties.isEmpty()) {
            lastSteps = lines.stream().filter((l) -> l.startsWith("STEP ")).toList();
        }
        if (ready < 0 || exit != 0) {
            lines.forEach(System.err::println);
            throw new IllegalStateException("start " + name + " failed (exit " + exit + ")");
        }
        return ready;
    }

    private static double median(List<Double> values) {
        return AlternatingPairs.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The measured application: Boot's auto-configuration, nothing of its own. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class Child {

        static void run(String[] args) {
            SpringApplication application = new SpringApplication(Child.class);
            application.setWebApplicationType(WebApplicationType.NONE);
            application.setLogStartupInfo(false);
            BufferingApplicationStartup steps = new BufferingApplicationStartup(20_000);
            application.setApplicationStartup(steps);
            application.addListeners((ApplicationListener<ApplicationReadyEvent>) (event) -> {
                System.out.println("READY " + ManagementFactory.getRuntimeMXBean().getUptime());
                // Where the startup went: the slowest bean creations (a step's time includes its dependencies').
                steps.getBufferedTimeline()
                    .getEvents()
                    .stream()
                    .filter((e) -> e.getStartupStep().getName().equals("spring.beans.instantiate"))
                    .sorted((a, b) -> b.getDuration().compareTo(a.getDuration()))
                    .limit(15)
                    .forEach((e) -> System.out.println("STEP " + e.getDuration().toMillis() + " ms "
                            + e.getStartupStep().getTags().iterator().next().getValue()));
            });
            ConfigurableApplicationContext context = application.run(args);
            context.close();
        }
    }
}
