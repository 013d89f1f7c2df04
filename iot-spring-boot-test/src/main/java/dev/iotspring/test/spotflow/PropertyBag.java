package dev.iotspring.test.spotflow;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The property bag at the end of a stream-message topic (spec §4): {@code k=v} pairs joined by {@code &}, values
 * percent-encoded byte by byte except {@code A-Z a-z 0-9 - . _ ~} with upper-case hex. Decoding is lenient (it
 * reads what IoT Hub would) but lists every way the bytes differ from what the reference SDK emits.
 */
public final class PropertyBag {

    /** The keys the SDK emits, in its emission order. */
    public static final List<String> KEY_ORDER = List.of("stream-group-name", "stream-name", "site-id", "batch-id",
            "batch-slice-id", "message-id", "chunk-id", "content-encoding", "has-externalized-payload",
            "complete-batch", "complete-message", "ignore-payload");

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final Map<String, String> properties;

    private final List<String> problems;

    private PropertyBag(Map<String, String> properties, List<String> problems) {
        this.properties = Collections.unmodifiableMap(properties);
        this.problems = List.copyOf(problems);
    }

    /** Decodes the text after {@code /messages/events/} (may be empty). */
    public static PropertyBag parse(String bag) {
        Map<String, String> properties = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        if (bag.isEmpty()) {
            return new PropertyBag(properties, problems);
        }
        int lastRank = -1;
        for (String pair : bag.split("&", -1)) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                problems.add("'" + pair + "' is not a key=value pair");
                continue;
            }
            String key = pair.substring(0, equals);
            String raw = pair.substring(equals + 1);
            String value = decode(key, raw, problems);
            if (properties.containsKey(key)) {
                problems.add("key '" + key + "' appears twice");
            }
            properties.put(key, value);
            int rank = KEY_ORDER.indexOf(key);
            if (rank < 0) {
                problems.add("unknown key '" + key + "'");
            }
            else if (rank < lastRank) {
                problems.add("key '" + key + "' out of the SDK's order " + KEY_ORDER);
            }
            lastRank = Math.max(lastRank, rank);
        }
        return new PropertyBag(properties, problems);
    }

    /** Percent-encodes UTF-8 bytes as the SDK does (space becomes {@code %20}, never {@code +}). */
    public static String encode(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (isUnreserved(c)) {
                out.append((char) c);
            }
            else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }

    /** Decoded properties in topic order. */
    public Map<String, String> properties() {
        return this.properties;
    }

    /** How the bag differs from the reference SDK's bytes; empty when it matches. */
    public List<String> problems() {
        return this.problems;
    }

    private static String decode(String key, String raw, List<String> problems) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        boolean reported = false;
        for (int i = 0; i < raw.length(); i++) {
            if (raw.charAt(i) == '%' && i + 2 < raw.length() && isHex(raw.charAt(i + 1)) && isHex(raw.charAt(i + 2))) {
                int value = Integer.parseInt(raw.substring(i + 1, i + 3), 16);
                if (!reported && (isUnreserved(value) || !raw.substring(i + 1, i + 3).equals(
                        raw.substring(i + 1, i + 3).toUpperCase(java.util.Locale.ROOT)))) {
                    problems.add("value of '" + key + "' has '" + raw.substring(i, i + 3)
                            + "' where the SDK writes " + (isUnreserved(value) ? "the character itself"
                                    : "upper-case hex"));
                    reported = true;
                }
                bytes.write(value);
                i += 2;
            }
            else {
                int codePoint = raw.codePointAt(i);
                String character = new String(Character.toChars(codePoint));
                if (!reported && !isUnreserved(codePoint)) {
                    problems.add("value of '" + key + "' has '" + character + "' that the SDK percent-encodes");
                    reported = true;
                }
                byte[] encoded = character.getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
                i += Character.charCount(codePoint) - 1;
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isUnreserved(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                || c == '_' || c == '~';
    }

    @Override
    public String toString() {
        return "PropertyBag" + this.properties + (this.problems.isEmpty() ? "" : " problems=" + this.problems);
    }
}
