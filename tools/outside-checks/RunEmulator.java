import java.io.BufferedReader;
import java.io.InputStreamReader;

import dev.iotspring.test.stellmap.StellMapEmulator;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

/**
 * Starts one of the project's emulators on its own, for a platform's upstream client to talk to. Run as a
 * single-file program with the benchmarks' class path (README): {@code java -cp "$CP" RunEmulator.java stream-sea}
 * or {@code stellmap}. Prints {@code URL <base url>}; a line {@code report} on standard input prints what the
 * emulator recorded (requests, frames, protocol violations, instances).
 */
public class RunEmulator {

    public static void main(String[] args) throws Exception {
        Runnable report;
        if (args.length == 1 && args[0].equals("stream-sea")) {
            StreamSeaEmulator emulator = new StreamSeaEmulator().addClient("jail-1", "js-client", "js-secret").start();
            System.out.println("URL " + emulator.httpBaseUrl());
            report = () -> {
                emulator.httpRequests().forEach((r) -> System.out.println("HTTP " + r));
                emulator.inboundFrames().forEach((f) -> System.out.println("FRAME " + f));
                System.out.println("VIOLATIONS " + emulator.protocolViolations());
            };
        }
        else if (args.length == 1 && args[0].equals("stellmap")) {
            StellMapEmulator emulator = StellMapEmulator.start();
            System.out.println("URL " + emulator.url());
            report = () -> {
                emulator.requests().forEach((r) -> System.out.println("REQUEST " + r));
                emulator.instances().forEach((i) -> System.out.println("INSTANCE " + i));
            };
        }
        else {
            throw new IllegalArgumentException("usage: RunEmulator stream-sea|stellmap");
        }
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.trim().equals("report")) {
                report.run();
                System.out.flush();
            }
        }
    }
}
