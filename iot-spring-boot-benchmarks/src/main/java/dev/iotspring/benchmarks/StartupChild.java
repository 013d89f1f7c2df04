package dev.iotspring.benchmarks;

import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.function.Supplier;

import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.metrics.buffering.BufferingApplicationStartup;
import org.springframework.boot.context.metrics.buffering.StartupTimeline;
import org.springframework.boot.webclient.autoconfigure.WebClientSsl;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.metrics.ApplicationStartup;
import org.springframework.core.metrics.StartupStep;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The application {@link StartupComparison} measures, in a JVM of its own: Boot's auto-configuration, nothing of its
 * own but the calibration's client. It prints, at {@link ApplicationReadyEvent}, its JVM uptime, the CPU time of its
 * main thread, of the process and of every thread, and the slowest bean creations.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public final class StartupChild {

    /** The property naming the SSL bundle of the calibration's request, if it goes over TLS. */
    static final String CALIBRATION_BUNDLE = "startup.calibration.bundle";

    public static void main(String[] args) {
        run(args);
    }

    /**
     * The calibration ({@code calibrate}): what Boot's own HTTP client costs the same application, built from
     * Boot's {@code WebClient.Builder} in a bean and sending one request in the background, as the HTTP
     * platforms do.
     */
    @Bean
    @ConditionalOnProperty("startup.calibration.url")
    WebClient calibrationWebClient(WebClient.Builder builder, ObjectProvider<WebClientSsl> ssl,
            Environment environment) {
        String bundle = environment.getProperty(CALIBRATION_BUNDLE);
        if (bundle != null) {
            builder.apply(ssl.getObject().fromBundle(bundle));
        }
        WebClient client = builder.baseUrl(environment.getRequiredProperty("startup.calibration.url")).build();
        // Subscribed on a thread of its own, as the platforms send their first requests.
        client.get()
            .retrieve()
            .toBodilessEntity()
            .subscribeOn(Schedulers.boundedElastic())
            .subscribe((response) -> { }, (error) -> { });
        return client;
    }

    static void run(String[] args) {
        SpringApplication application = new SpringApplication(StartupChild.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.setLogStartupInfo(false);
        BufferingApplicationStartup steps = new BufferingApplicationStartup(20_000);
        application.setApplicationStartup(new CpuTaggingStartup(steps));
        application.addListeners((ApplicationListener<ApplicationReadyEvent>) (event) -> {
            System.out.println("READY " + ManagementFactory.getRuntimeMXBean().getUptime());
            System.out.println("MAIN-CPU " + ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() / 1_000_000);
            // All threads (background opening, pre-initialisation, JIT, GC): on a busy machine they compete
            // with the startup thread for the same cores.
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                System.out.println("PROCESS-CPU " + os.getProcessCpuTime() / 1_000_000);
            }
            // Every thread's CPU (JIT and GC too); the parent adds those that ended before.
            String main = StartupThreads.currentTid();
            StartupThreads.snapshot(Path.of("/proc/self/task"))
                .forEach((tid, t) -> System.out.println("THREAD " + tid + " " + t[1] + " "
                        + (tid.equals(main) ? "main" : t[0])));
            String stepsFile = System.getProperty("startup.steps.file");
            if (stepsFile != null) {
                writeSteps(steps, Path.of(stepsFile));
            }
            // Where the startup went: the bean creations that took the most CPU (a step's time includes its
            // dependencies').
            steps.getBufferedTimeline()
                .getEvents()
                .stream()
                .filter((e) -> e.getStartupStep().getName().equals("spring.beans.instantiate"))
                .sorted(Comparator.comparingDouble((StartupTimeline.TimelineEvent e) -> Double.parseDouble(tag(e, "cpu")))
                    .reversed())
                .limit(15)
                .forEach((e) -> System.out.println("STEP " + e.getDuration().toMillis() + " ms (CPU " + tag(e, "cpu")
                        + " ms) " + tag(e, "beanName")));
        });
        ConfigurableApplicationContext context = application.run(args);
        context.close();
    }

    /**
     * Tags each step with the CPU time its thread spent in it ({@code cpu}, ms, including nested steps): on a
     * loaded machine the wall clock of a step says little, its CPU time much more.
     */
    private record CpuTaggingStartup(BufferingApplicationStartup delegate) implements ApplicationStartup {

        @Override
        public StartupStep start(String name) {
            StartupStep step = this.delegate.start(name);
            long cpuStart = THREADS.getCurrentThreadCpuTime();
            return new StartupStep() {

                @Override
                public String getName() {
                    return step.getName();
                }

                @Override
                public long getId() {
                    return step.getId();
                }

                @Override
                public Long getParentId() {
                    return step.getParentId();
                }

                @Override
                public StartupStep tag(String key, String value) {
                    step.tag(key, value);
                    return this;
                }

                @Override
                public StartupStep tag(String key, Supplier<String> value) {
                    step.tag(key, value);
                    return this;
                }

                @Override
                public Tags getTags() {
                    return step.getTags();
                }

                @Override
                public void end() {
                    step.tag("cpu", String.format(Locale.ROOT, "%.1f",
                            (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e6));
                    step.end();
                }
            };
        }
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private static String tag(StartupTimeline.TimelineEvent event, String key) {
        for (StartupStep.Tag tag : event.getStartupStep().getTags()) {
            if (tag.getKey().equals(key)) {
                return tag.getValue();
            }
        }
        return "";
    }

    /** One line per step: start offset and duration (ms), id, parent id, name, tags. */
    private static void writeSteps(BufferingApplicationStartup steps, Path file) {
        var timeline = steps.getBufferedTimeline();
        try (Writer out = Files.newBufferedWriter(file)) {
            for (var event : timeline.getEvents()) {
                StringBuilder tags = new StringBuilder();
                event.getStartupStep().getTags().forEach((t) -> tags.append(' ').append(t.getKey()).append('=')
                    .append(t.getValue()));
                out.write(String.format(Locale.ROOT, "%.3f %.3f %d %s %s%s%n",
                        java.time.Duration.between(timeline.getStartTime(), event.getStartTime()).toNanos() / 1e6,
                        event.getDuration().toNanos() / 1e6, event.getStartupStep().getId(),
                        event.getStartupStep().getParentId(), event.getStartupStep().getName(), tags));
            }
        }
        catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
