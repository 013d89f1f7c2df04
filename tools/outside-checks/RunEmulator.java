import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.function.Consumer;

import dev.iotspring.test.astarte.AstarteEmulator;
import dev.iotspring.test.stellanow.StellaNowEmulator;
import dev.iotspring.test.stellmap.StellMapEmulator;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

/**
 * Starts one of the project's emulators on its own, for a platform's upstream client to talk to. Run as a
 * single-file program with the benchmarks' class path (README): {@code java -cp "$CP" RunEmulator.java stream-sea}
 * or {@code stellmap}, or {@code astarte <interface JSON files>}, or {@code stellanow} (OIDC, the API over https
 * and the broker's wss). Prints {@code URL <base url>}; for Astarte also the realm's agent token, for StellaNow the
 * broker's URL, organization, project and account, and for both {@code CA <file>}, the emulator's CA written to the
 * temporary directory. A line {@code report} ({@code report <device id>} for Astarte) on standard input prints
 * what the emulator recorded: requests, frames,
 * protocol violations, instances, a device's messages. For Astarte, {@code server-property <device id> <interface>
 * <path> <integer>} sets a server-owned property on the device.
 */
public class RunEmulator {

    public static void main(String[] args) throws Exception {
        Consumer<String[]> report;
        if (args.length == 1 && args[0].equals("stream-sea")) {
            StreamSeaEmulator emulator = new StreamSeaEmulator().addClient("jail-1", "js-client", "js-secret").start();
            System.out.println("URL " + emulator.httpBaseUrl());
            report = (command) -> {
                emulator.httpRequests().forEach((r) -> System.out.println("HTTP " + r));
                emulator.inboundFrames().forEach((f) -> System.out.println("FRAME " + f));
                System.out.println("VIOLATIONS " + emulator.protocolViolations());
            };
        }
        else if (args.length == 1 && args[0].equals("stellmap")) {
            StellMapEmulator emulator = StellMapEmulator.start();
            System.out.println("URL " + emulator.url());
            report = (command) -> {
                emulator.requests().forEach((r) -> System.out.println("REQUEST " + r));
                emulator.instances().forEach((i) -> System.out.println("INSTANCE " + i));
            };
        }
        else if (args.length > 0 && args[0].equals("astarte")) {
            // Strict: every message of the device is checked against its interfaces (deviceErrors).
            AstarteEmulator emulator = AstarteEmulator.builder().realm("sdkcheck").strict(true).start();
            for (int i = 1; i < args.length; i++) {
                emulator.installInterface(Files.readString(Path.of(args[i])));
            }
            writeCa("astarte-ca.pem", emulator.certificateAuthority().certificatePem());
            System.out.println("URL " + emulator.pairingUrl());
            System.out.println("REALM " + emulator.realm());
            System.out.println("AGENT-TOKEN " + emulator.agentToken());
            report = (command) -> {
                if (command[0].equals("server-property")) {
                    emulator.setServerProperty(command[1], command[2], command[3], Integer.parseInt(command[4])).join();
                    System.out.println("SENT " + command[2] + command[3]);
                    return;
                }
                String device = command[1];
                System.out.println("INTROSPECTION " + emulator.introspection(device));
                System.out.println("PROPERTIES " + emulator.deviceProperties(device));
                emulator.messages(device).forEach((m) -> System.out.println("MESSAGE " + m));
                System.out.println("ERRORS " + emulator.deviceErrors(device));
                emulator.broker().subscribes().forEach((s) -> System.out.println("SUBSCRIBE " + s));
                emulator.broker().publishes().forEach((p) -> System.out.println("PUBLISH " + p.topic() + " qos "
                        + p.qos() + " " + HexFormat.of().formatHex(p.payload())));
            };
        }
        else if (args.length == 1 && args[0].equals("stellanow")) {
            StellaNowEmulator emulator = StellaNowEmulator.builder().tls().httpsApi().start();
            writeCa("stellanow-ca.pem", emulator.certificateAuthority().certificatePem());
            System.out.println("URL " + emulator.apiBaseUrl());
            System.out.println("BROKER " + emulator.secureWebSocketUrl());
            System.out.println("ORGANIZATION " + emulator.organizationId());
            System.out.println("PROJECT " + emulator.projectId());
            System.out.println("USER " + emulator.username() + " " + emulator.password());
            report = (command) -> {
                emulator.connects().forEach((c) -> System.out.println("CONNECT " + c));
                emulator.events().forEach((e) -> System.out.println("EVENT " + e.publish().topic() + " qos "
                        + e.publish().qos() + " retain " + e.publish().retain() + " " + e.json()));
                emulator.identityProvider().requests().forEach((r) -> System.out.println("TOKEN-REQUEST " + r));
            };
        }
        else {
            throw new IllegalArgumentException(
                    "usage: RunEmulator stream-sea | stellmap | stellanow | astarte <interface files>");
        }
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            String[] command = line.trim().split(" ");
            if (command[0].equals("report") || command[0].equals("server-property")) {
                report.accept(command);
                System.out.flush();
            }
        }
    }

    /** Writes the emulator's CA to the temporary directory, for the client to trust, and says where. */
    private static void writeCa(String fileName, String pem) throws IOException {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), fileName);
        Files.writeString(file, pem);
        System.out.println("CA " + file);
    }
}
