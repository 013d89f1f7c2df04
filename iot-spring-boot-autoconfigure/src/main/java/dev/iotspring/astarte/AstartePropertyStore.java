package dev.iotspring.astarte;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import dev.iotspring.core.store.JdbcKeyValueStore;

/**
 * Stored property values (spec §12) in the {@code astarte} SQLite store: one row per
 * {@code ownership:interface/path}, holding the interface's major version (4 bytes, big-endian) followed by the
 * BSON {@code {"v": ...}} document as sent or received. A row written under another major version is ignored and
 * removed, as the SDKs do.
 */
final class AstartePropertyStore {

    /** Opened beside the application's startup: waited for on first use. */
    private final Supplier<JdbcKeyValueStore> store;

    AstartePropertyStore(Supplier<JdbcKeyValueStore> store) {
        this.store = store;
    }

    /** A stored property: its interface's major version and the BSON payload. */
    record Row(String interfaceName, String path, int major, byte[] payload) {

        String entry() {
            return this.interfaceName + this.path;
        }

        /** Whether this is the value {@code payload} under interface major {@code major}, byte for byte. */
        boolean holds(int major, byte[] payload) {
            return this.major == major && Arrays.equals(this.payload, payload);
        }
    }

    void put(boolean serverOwned, String interfaceName, String path, int major, byte[] payload) {
        this.store.get().put(key(serverOwned, interfaceName, path),
                ByteBuffer.allocate(4 + payload.length).putInt(major).put(payload).array());
    }

    void remove(boolean serverOwned, String interfaceName, String path) {
        this.store.get().delete(key(serverOwned, interfaceName, path));
    }

    Optional<Row> get(boolean serverOwned, String interfaceName, String path) {
        return this.store.get().get(key(serverOwned, interfaceName, path)).map(v -> row(interfaceName, path, v));
    }

    /** Every stored property of one ownership, by {@code interface/path}. */
    Map<String, Row> all(boolean serverOwned) {
        String prefix = prefix(serverOwned);
        Map<String, Row> rows = new LinkedHashMap<>();
        this.store.get().list(prefix).forEach((key, value) -> {
            String entry = key.substring(prefix.length());
            int slash = entry.indexOf('/');
            rows.put(entry, row(entry.substring(0, slash), entry.substring(slash), value));
        });
        return rows;
    }

    private static Row row(String interfaceName, String path, byte[] value) {
        int major = ByteBuffer.wrap(value, 0, 4).getInt();
        return new Row(interfaceName, path, major, Arrays.copyOfRange(value, 4, value.length));
    }

    private static String prefix(boolean serverOwned) {
        return serverOwned ? "server:" : "device:";
    }

    private static String key(boolean serverOwned, String interfaceName, String path) {
        return prefix(serverOwned) + interfaceName + path;
    }
}
