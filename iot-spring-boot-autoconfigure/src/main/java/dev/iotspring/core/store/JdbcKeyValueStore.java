package dev.iotspring.core.store;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A small durable map for credentials, tokens and cached properties: keys are strings, values bytes (or UTF-8
 * strings). Each store has a namespace, so several users share one table ({@code <prefix>kv}) without seeing
 * each other's keys. Every write is its own transaction. Values may be secrets: they are never logged.
 */
public class JdbcKeyValueStore {

    static final String COMPONENT = "kv";

    static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "key-value table",
            "CREATE TABLE ${prefix}kv (namespace VARCHAR(100) NOT NULL, item_key VARCHAR(512) NOT NULL, "
                    + "item_value ${binary} NOT NULL, PRIMARY KEY (namespace, item_key))"));

    private final JdbcTemplate jdbc;

    private final TransactionTemplate tx;

    private final String namespace;

    private final String table;

    JdbcKeyValueStore(JdbcTemplate jdbc, TransactionTemplate tx, String prefix, String namespace) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.namespace = namespace;
        this.table = prefix + "kv";
    }

    public Optional<byte[]> get(String key) {
        List<byte[]> found = this.jdbc.query(
                "SELECT item_value FROM " + this.table + " WHERE namespace = ? AND item_key = ?",
                (rs, row) -> rs.getBytes(1), this.namespace, checkKey(key));
        return found.stream().findFirst();
    }

    public Optional<String> getString(String key) {
        return get(key).map(bytes -> new String(bytes, StandardCharsets.UTF_8));
    }

    /** Inserts or replaces the value of a key. */
    public void put(String key, byte[] value) {
        checkKey(key);
        Objects.requireNonNull(value, "value");
        // Update-then-insert: portable across SQLite, H2 and PostgreSQL, unlike the upsert dialects.
        this.tx.executeWithoutResult(status -> {
            int updated = this.jdbc.update(
                    "UPDATE " + this.table + " SET item_value = ? WHERE namespace = ? AND item_key = ?", value,
                    this.namespace, key);
            if (updated == 0) {
                this.jdbc.update("INSERT INTO " + this.table + " (namespace, item_key, item_value) VALUES (?, ?, ?)",
                        this.namespace, key, value);
            }
        });
    }

    public void putString(String key, String value) {
        put(key, Objects.requireNonNull(value, "value").getBytes(StandardCharsets.UTF_8));
    }

    /** Writes several entries in one transaction. */
    public void putAll(Map<String, byte[]> entries) {
        this.tx.executeWithoutResult(status -> entries.forEach(this::put));
    }

    /** @return whether the key existed */
    public boolean delete(String key) {
        return this.jdbc.update("DELETE FROM " + this.table + " WHERE namespace = ? AND item_key = ?",
                this.namespace, checkKey(key)) > 0;
    }

    /** @return how many keys were removed */
    public int deleteByPrefix(String prefix) {
        return this.tx.execute(status -> {
            int removed = 0;
            for (String key : list(prefix).keySet()) {
                removed += delete(key) ? 1 : 0;
            }
            return removed;
        });
    }

    /** Every entry whose key starts with {@code prefix} (case-sensitive), ordered by key. */
    public Map<String, byte[]> list(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        // '!' as escape character: a backslash would need escaping in MySQL string literals.
        String pattern = prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
        Map<String, byte[]> result = new LinkedHashMap<>();
        // LIKE narrows the scan; the exact prefix test below also covers databases whose LIKE ignores case.
        this.jdbc.query("SELECT item_key, item_value FROM " + this.table
                + " WHERE namespace = ? AND item_key LIKE ? ESCAPE '!' ORDER BY item_key", rs -> {
                    String key = rs.getString(1);
                    if (key.startsWith(prefix)) {
                        result.put(key, rs.getBytes(2));
                    }
                }, this.namespace, pattern);
        return result;
    }

    public Map<String, String> listStrings(String prefix) {
        Map<String, String> result = new LinkedHashMap<>();
        list(prefix).forEach((k, v) -> result.put(k, new String(v, StandardCharsets.UTF_8)));
        return result;
    }

    public String getNamespace() {
        return this.namespace;
    }

    private static String checkKey(String key) {
        if (key == null || key.isEmpty() || key.length() > 512) {
            throw new IllegalArgumentException("key must have 1 to 512 characters");
        }
        return key;
    }

    @Override
    public String toString() {
        return "JdbcKeyValueStore[" + this.namespace + "]";
    }
}
