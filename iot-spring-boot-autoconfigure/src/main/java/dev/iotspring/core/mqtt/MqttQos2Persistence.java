package dev.iotspring.core.mqtt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.eclipse.paho.client.mqttv3.MqttClientPersistence;
import org.eclipse.paho.client.mqttv3.MqttPersistable;
import org.eclipse.paho.client.mqttv3.MqttPersistenceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.core.store.JdbcKeyValueStore;

/**
 * Paho persistence for a persistent session that outlives the process: the packet ids of QoS 2 publishes whose
 * exchange may still be open at the broker are kept in a store, and restored at the next start. Everything else
 * stays in memory, as with Paho's {@code MemoryPersistence}: durability of the messages themselves is the outbound
 * queue's job.
 *
 * <p>Why: until it receives the PUBREL, a broker acknowledges a QoS 2 publish that reuses a packet id it still
 * holds and delivers nothing (MQTT 3.1.1 §4.3.3). A new process numbers its publishes from 1 again, so after a
 * crash during a QoS 2 exchange one of its first messages would vanish into the old exchange. The ids found at
 * start are restored as PUBRELs: Paho sends them after the connect, the broker completes those exchanges (and
 * simply acknowledges ids it does not hold), and Paho numbers new publishes after them.
 *
 * <p>A superset is enough, so the store is written once per {@value #BLOCK} ids, not once per publish: each write,
 * made before the publish that needs it goes out, reserves the next {@value #BLOCK} ids (Paho numbers in order) and
 * lists the ids still open outside them. A crash costs at most that many unneeded PUBRELs at the next start.
 */
final class MqttQos2Persistence implements MqttClientPersistence {

    /**
     * The write runs on Paho's sending path, under its lock: once per 128 ids it cost Astarte's QoS 2 sends about a
     * tenth of their rate (docs/benchmarks.md); once per 1,024 nothing measurable, for 8 KB of PUBRELs after a crash.
     */
    static final int BLOCK = 1024;

    private static final Logger logger = LoggerFactory.getLogger(MqttQos2Persistence.class);

    private static final String KEY = "open-packet-ids";

    private static final String SENT = "s-";

    private static final String RELEASED = "sc-";

    private static final int MAX_ID = 65535;

    private final JdbcKeyValueStore store;

    private final Map<String, MqttPersistable> memory = new ConcurrentHashMap<>();

    /** QoS 2 exchanges started and not completed; guarded by {@code this}. */
    private final Set<Integer> open = new TreeSet<>();

    /** First id of the block the store covers; 0: none. Guarded by {@code this}. */
    private int blockStart;

    /** Whether the store holds anything (an orderly close with nothing open deletes it). */
    private boolean written;

    private boolean opened;

    MqttQos2Persistence(JdbcKeyValueStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public synchronized void open(String clientId, String serverURI) throws MqttPersistenceException {
        if (this.opened) {
            return;
        }
        Set<Integer> ids;
        try {
            ids = this.store.getString(KEY).map(MqttQos2Persistence::parse).orElse(Set.of());
        }
        catch (RuntimeException ex) {
            throw persistenceFailure("reading", ex);
        }
        for (int id : ids) {
            // Paho restores a PUBREL only beside the publish it releases; the publish itself is never sent again.
            this.memory.put(SENT + id, Qos2Packet.publish(id));
            this.memory.put(RELEASED + id, Qos2Packet.release(id));
        }
        this.open.addAll(ids);
        this.written = !ids.isEmpty();
        this.opened = true;
        if (!ids.isEmpty()) {
            logger.info("MQTT {}: the last run may have left QoS 2 exchanges open; releasing {} packet id(s) after "
                    + "the connect", clientId, ids.size());
        }
    }

    @Override
    public void put(String key, MqttPersistable persistable) throws MqttPersistenceException {
        if (key.startsWith(SENT) && Qos2Packet.isQos2Publish(persistable)) {
            started(Integer.parseInt(key.substring(SENT.length())));
        }
        this.memory.put(key, persistable);
    }

    private synchronized void started(int id) throws MqttPersistenceException {
        if (!inBlock(id)) {
            // The ids open now outside the new block, and the block itself.
            Set<Integer> listed = new TreeSet<>();
            this.open.stream().filter(o -> !inBlock(o, id)).forEach(listed::add);
            write(format(listed) + ";" + id + "+" + BLOCK);
            this.blockStart = id;
        }
        this.open.add(id);
    }

    @Override
    public MqttPersistable get(String key) throws MqttPersistenceException {
        MqttPersistable persistable = this.memory.get(key);
        if (persistable == null) {
            throw new MqttPersistenceException();
        }
        return persistable;
    }

    @Override
    public void remove(String key) {
        this.memory.remove(key);
        if (key.startsWith(SENT)) {
            completed(Integer.parseInt(key.substring(SENT.length())));
        }
    }

    private synchronized void completed(int id) {
        this.open.remove(id);
    }

    @Override
    public Enumeration<String> keys() {
        return Collections.enumeration(new ArrayList<>(this.memory.keySet()));
    }

    @Override
    public boolean containsKey(String key) {
        return this.memory.containsKey(key);
    }

    /** A clean session: the broker forgot every exchange. */
    @Override
    public synchronized void clear() throws MqttPersistenceException {
        this.memory.clear();
        this.open.clear();
        this.blockStart = 0;
        try {
            this.store.delete(KEY);
        }
        catch (RuntimeException ex) {
            throw persistenceFailure("clearing", ex);
        }
        this.written = false;
    }

    /** An orderly close: what is still open is listed exactly (nothing, after a drained stop). */
    @Override
    public synchronized void close() {
        if (!this.written) {
            return;
        }
        try {
            if (this.open.isEmpty()) {
                this.store.delete(KEY);
                this.written = false;
            }
            else {
                this.store.putString(KEY, format(this.open));
            }
            this.blockStart = 0;
        }
        catch (RuntimeException ex) {
            // Harmless: the next run releases the last written ids once more.
            logger.debug("MQTT: the open QoS 2 exchanges were not written at close: {}", ex.toString());
        }
    }

    private void write(String value) throws MqttPersistenceException {
        try {
            this.store.putString(KEY, value);
            this.written = true;
        }
        catch (RuntimeException ex) {
            throw persistenceFailure("recording", ex);
        }
    }

    private boolean inBlock(int id) {
        return this.blockStart != 0 && inBlock(id, this.blockStart);
    }

    /** Whether {@code id} is one of the {@value #BLOCK} ids from {@code start} on, in Paho's order (1 follows 65535). */
    private static boolean inBlock(int id, int start) {
        return Math.floorMod(id - start, MAX_ID) < BLOCK;
    }

    /** "3,17" for explicit ids; a block is appended as ";start+count". */
    private static String format(Set<Integer> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    static Set<Integer> parse(String value) {
        Set<Integer> ids = new TreeSet<>();
        int semicolon = value.indexOf(';');
        String listed = (semicolon < 0) ? value : value.substring(0, semicolon);
        for (String id : listed.split(",")) {
            if (!id.isBlank()) {
                ids.add(checkId(Integer.parseInt(id.trim())));
            }
        }
        if (semicolon >= 0) {
            String[] block = value.substring(semicolon + 1).split("\\+");
            int start = checkId(Integer.parseInt(block[0]));
            int count = Integer.parseInt(block[1]);
            for (int i = 0; i < count; i++) {
                ids.add((start - 1 + i) % MAX_ID + 1);
            }
        }
        return ids;
    }

    private static int checkId(int id) {
        if (id < 1 || id > MAX_ID) {
            throw new IllegalArgumentException("not a packet id: " + id);
        }
        return id;
    }

    private static MqttPersistenceException persistenceFailure(String what, RuntimeException ex) {
        logger.warn("MQTT: {} the open QoS 2 packet ids in the store failed: {}", what, ex.toString());
        return new MqttPersistenceException(ex);
    }

    /** The two packets Paho reads back at start, in its own persisted form (fixed and variable header). */
    private record Qos2Packet(byte[] header) implements MqttPersistable {

        /** PUBLISH, QoS 2, topic "" (never sent: its PUBREL is restored beside it). */
        static Qos2Packet publish(int packetId) {
            return new Qos2Packet(new byte[] { 0x34, 4, 0, 0, (byte) (packetId >> 8), (byte) packetId });
        }

        /** PUBREL (flags 0b0010 as the protocol requires). */
        static Qos2Packet release(int packetId) {
            return new Qos2Packet(new byte[] { 0x62, 2, (byte) (packetId >> 8), (byte) packetId });
        }

        static boolean isQos2Publish(MqttPersistable persistable) {
            try {
                byte first = persistable.getHeaderBytes()[persistable.getHeaderOffset()];
                return (first & 0xF0) == 0x30 && ((first >> 1) & 3) == 2;
            }
            catch (MqttPersistenceException ex) {
                return false;
            }
        }

        @Override
        public byte[] getHeaderBytes() {
            return this.header.clone();
        }

        @Override
        public int getHeaderLength() {
            return this.header.length;
        }

        @Override
        public int getHeaderOffset() {
            return 0;
        }

        @Override
        public byte[] getPayloadBytes() {
            return new byte[0];
        }

        @Override
        public int getPayloadLength() {
            return 0;
        }

        @Override
        public int getPayloadOffset() {
            return 0;
        }
    }
}
