package dev.iotspring.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The output of a child JVM the comparisons start (stderr merged into stdout), read line by line until it ends. */
final class ChildOutput {

    private ChildOutput() {
    }

    /** Hands each line to {@code eachLine} as it comes (so a marker can be timed) and returns them all. */
    static List<String> read(Process process, Consumer<String> eachLine) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
                eachLine.accept(line);
            }
        }
        return lines;
    }
}
