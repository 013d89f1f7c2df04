package dev.iotspring.core.queue.shared;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A {@link KillableSender} in a child JVM on the test classpath, with the ids it reported as sent. Its log goes to
 * a file (WARN and up), shown when a test fails.
 */
final class ChildJvm implements AutoCloseable {

    private final Process process;

    private final Path log;

    private final Set<String> sent = ConcurrentHashMap.newKeySet();

    private volatile boolean done;

    private final Thread reader;

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.reader = new Thread(this::read, "child-" + process.pid());
        this.reader.setDaemon(true);
        this.reader.start();
    }

    static ChildJvm start(Path workDirectory, String... args) throws IOException {
        Path logback = workDirectory.resolve("logback-child.xml");
        if (!Files.exists(logback)) {
            Files.writeString(logback, """
                    <configuration>
                      <appender name="err" class="ch.qos.logback.core.ConsoleAppender">
                        <target>System.err</target>
                        <encoder><pattern>%d %-5level %logger{20} - %msg%n</pattern></encoder>
                      </appender>
                      <root level="WARN"><appender-ref ref="err"/></root>
                    </configuration>
                    """);
        }
        Path log = Files.createTempFile(workDirectory, "child-", ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // A short-lived sender: start fast rather than optimise.
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
                "-Dlogback.configurationFile=" + logback, "-cp", System.getProperty("java.class.path"),
                KillableSender.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        return new ChildJvm(process, log);
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith(KillableSender.SENT)) {
                    this.sent.add(line.substring(KillableSender.SENT.length()));
                }
                else if (line.equals(KillableSender.DONE)) {
                    this.done = true;
                }
            }
        }
        catch (IOException ex) {
            // the process died
        }
    }

    /** Ids whose send returned (so far). */
    int sentCount() {
        return this.sent.size();
    }

    boolean isDone() {
        return this.done;
    }

    boolean isAlive() {
        return this.process.isAlive();
    }

    /** SIGKILL (Process.destroyForcibly on Linux); returns every id the child reported before it died. */
    Set<String> kill() throws Exception {
        this.process.destroyForcibly();
        if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("child " + this.process.pid() + " did not die");
        }
        this.reader.join(30_000);
        return Set.copyOf(this.sent);
    }

    Set<String> sent() {
        return Set.copyOf(this.sent);
    }

    String log() {
        try {
            return Files.readString(this.log);
        }
        catch (IOException ex) {
            return "(no log: " + ex + ")";
        }
    }

    @Override
    public void close() throws Exception {
        if (this.process.isAlive()) {
            kill();
        }
    }
}
