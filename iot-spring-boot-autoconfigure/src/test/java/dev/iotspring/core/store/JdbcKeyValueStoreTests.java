package dev.iotspring.core.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class JdbcKeyValueStoreTests {

    @TempDir
    Path directory;

    private IotStores stores = new IotStores(Path.of("unused"), SynchronousMode.NORMAL, Duration.ofSeconds(1));

    @AfterEach
    void close() {
        this.stores.close();
    }

    private JdbcKeyValueStore open(String namespace) {
        this.stores = new IotStores(this.directory, SynchronousMode.FULL, Duration.ofSeconds(5));
        return this.stores.open("test").keyValueStore(namespace);
    }

    @Test
    void putGetOverwriteDelete() {
        JdbcKeyValueStore kv = open("credentials");
        assertThat(kv.get("token")).isEmpty();
        kv.putString("token", "first");
        kv.putString("token", "second");
        assertThat(kv.getString("token")).contains("second");
        kv.put("key", new byte[] { 0, -1, 42 });
        assertThat(kv.get("key")).hasValueSatisfying(v -> assertThat(v).containsExactly(0, -1, 42));
        assertThat(kv.delete("token")).isTrue();
        assertThat(kv.delete("token")).isFalse();
        assertThat(kv.get("token")).isEmpty();
    }

    @Test
    void valuesSurviveReopening() {
        open("credentials").putString("device-id", "d-1");
        this.stores.close();
        assertThat(open("credentials").getString("device-id")).contains("d-1");
    }

    @Test
    void listByPrefixIsExactCaseSensitiveAndTreatsWildcardsLiterally() {
        JdbcKeyValueStore kv = open("properties");
        kv.putString("iface/a", "1");
        kv.putString("iface/b", "2");
        kv.putString("IFACE/c", "3");
        kv.putString("ifaceX", "4");
        kv.putString("if_ce/d", "5");
        kv.putString("if%ce/e", "6");
        kv.putString("if!ce/f", "7");
        assertThat(kv.listStrings("iface/")).containsExactly(Map.entry("iface/a", "1"), Map.entry("iface/b", "2"));
        assertThat(kv.listStrings("if_")).containsOnlyKeys("if_ce/d");
        assertThat(kv.listStrings("if%")).containsOnlyKeys("if%ce/e");
        assertThat(kv.listStrings("if!")).containsOnlyKeys("if!ce/f");
        assertThat(kv.listStrings("")).hasSize(7);
        assertThat(kv.deleteByPrefix("iface")).isEqualTo(3);
        assertThat(kv.listStrings("").keySet()).containsExactlyInAnyOrder("IFACE/c", "if_ce/d", "if%ce/e",
                "if!ce/f");
    }

    @Test
    void namespacesDoNotSeeEachOther() {
        JdbcKeyValueStore a = open("a");
        JdbcKeyValueStore b = this.stores.open("test").keyValueStore("b");
        a.putString("k", "from a");
        assertThat(b.get("k")).isEmpty();
        assertThat(b.list("")).isEmpty();
    }

    @Test
    void keysAreValidated() {
        JdbcKeyValueStore kv = open("a");
        assertThatIllegalArgumentException().isThrownBy(() -> kv.putString("", "x"));
        assertThatIllegalArgumentException().isThrownBy(() -> kv.putString("k".repeat(513), "x"));
    }

    @Test
    void migrationsRunOnceAndRefuseANewerSchema() {
        JdbcKeyValueStore kv = open("a");
        IotStore store = this.stores.open("test");
        List<Migration> mine = List.of(Migration.of(1, "t", "CREATE TABLE ${prefix}mine (id INTEGER PRIMARY KEY)"),
                Migration.of(2, "add column", "ALTER TABLE ${prefix}mine ADD COLUMN v ${binary}"));
        store.migrate("mine", mine.subList(0, 1));
        store.migrate("mine", mine);
        store.migrate("mine", mine); // nothing left to do: a re-run would fail on the existing column
        assertThat(store.jdbcClient().sql("SELECT version FROM schema_version WHERE component = 'mine'")
                .query(Integer.class).single()).isEqualTo(2);
        assertThatIllegalStateException().isThrownBy(() -> store.migrate("mine", mine.subList(0, 1)))
                .withMessageContaining("version 2").withMessageContaining("newer release");
        assertThat(kv.get("x")).isEmpty();
    }
}
