package dev.iotspring.stellanow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.iotspring.test.stellanow.StellaNowEmulator;

/**
 * One StellaNow emulator (with TLS) for every integration test class of this module: starting and stopping
 * HiveMQ costs seconds, so the classes share it and reset it before each test. Closed when the JVM exits.
 */
final class SharedEmulator {

    private static StellaNowEmulator emulator;

    private static Path caPem;

    private SharedEmulator() {
    }

    static synchronized StellaNowEmulator get() {
        if (emulator == null) {
            emulator = StellaNowEmulator.builder().tls().start();
            try {
                Path dir = Files.createTempDirectory("stellanow-ca-");
                caPem = emulator.certificateAuthority().writeCertificatePem(dir.resolve("ca.pem"));
                caPem.toFile().deleteOnExit();
                dir.toFile().deleteOnExit();
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            StellaNowEmulator toClose = emulator;
            Runtime.getRuntime().addShutdownHook(new Thread(toClose::close, "stellanow-emulator-shutdown"));
        }
        return emulator;
    }

    /** The PEM of the CA that signed the broker's certificate. */
    static synchronized Path caPem() {
        get();
        return caPem;
    }

    /** Back to defaults: broker running, faults off, recordings cleared, OIDC mode, 300 s tokens. */
    static void reset() {
        StellaNowEmulator current = get();
        if (!current.broker().isRunning()) {
            current.broker().start();
        }
        current.broker().reset();
        current.authMode(StellaNowEmulator.AuthMode.OIDC);
        current.disconnectOnTokenExpiry(false);
        current.identityProvider().clearRequests();
        current.identityProvider().clearFaults();
        current.identityProvider().setAccessTokenLifetime(Duration.ofSeconds(300));
    }
}
