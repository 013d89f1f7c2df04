package dev.iotspring.spotflow;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * The IoT-Hub topics of the Spotflow device protocol, byte for byte. Stream messages carry all their metadata in
 * the topic's property bag: {@code key=value} pairs joined by {@code &}, keys and flags literal, values
 * percent-encoded (every UTF-8 byte except {@code A-Z a-z 0-9 - . _ ~} as upper-case {@code %XX}; a space is
 * {@code %20}, which is why {@link java.net.URLEncoder} does not fit).
 */
public final class SpotflowTopics {

    /** Subscribed for twin responses. */
    public static final String TWIN_RESPONSES = "$iothub/twin/res/#";

    /** Subscribed for desired-property patches. */
    public static final String DESIRED_PATCHES = "$iothub/twin/PATCH/properties/desired/#";

    static final String REPORTED_PATCH_PREFIX = "$iothub/twin/PATCH/properties/reported/?$rid=";

    static final String TWIN_GET_PREFIX = "$iothub/twin/GET/?$rid=";

    /** The flag of a payload that went through file upload; the MQTT payload is then {@code {"link":...}}. */
    static final String EXTERNALIZED = "has-externalized-payload=true";

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private SpotflowTopics() {
    }

    /** How a queued record closes a batch or message (the completions have an empty payload). */
    enum Close {

        NONE(""), BATCH("&complete-batch=true&ignore-payload=true"),
        MESSAGE("&complete-message=true&ignore-payload=true");

        private final String flags;

        Close(String flags) {
            this.flags = flags;
        }
    }

    /**
     * The property bag of a stream message, in the platform's fixed key order.
     * @param options stream, ids (already merged with the sender's defaults)
     * @param brotli whether the payload is Brotli-compressed
     * @param externalized whether the payload goes through file upload
     * @param close the completion flags, if any
     */
    static String propertyBag(MessageOptions options, boolean brotli, boolean externalized, Close close) {
        StringBuilder bag = new StringBuilder(64);
        append(bag, "stream-group-name", options.streamGroup());
        append(bag, "stream-name", options.stream());
        append(bag, "batch-id", options.batchId());
        append(bag, "batch-slice-id", options.batchSliceId());
        append(bag, "message-id", options.messageId());
        append(bag, "chunk-id", options.chunkId());
        if (brotli) {
            bag.append(bag.isEmpty() ? "" : "&").append("content-encoding=br");
        }
        if (externalized) {
            bag.append(bag.isEmpty() ? "" : "&").append(EXTERNALIZED);
        }
        if (close != Close.NONE) {
            bag.append(bag.isEmpty() ? close.flags.substring(1) : close.flags);
        }
        return bag.toString();
    }

    /** The topic a stream message is published on; an empty bag leaves the trailing {@code /}. */
    public static String streamTopic(String hubDeviceId, String propertyBag) {
        return "devices/" + hubDeviceId + "/messages/events/" + propertyBag;
    }

    /** The cloud-to-device filter of a device, subscribed though the messages are not exposed yet. */
    public static String cloudToDevice(String hubDeviceId) {
        return "devices/" + hubDeviceId + "/messages/devicebound/#";
    }

    /** Percent-encodes UTF-8 bytes: unreserved characters stay, everything else becomes upper-case {@code %XX}. */
    public static String percentEncode(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 8);
        for (byte b : bytes) {
            int c = b & 0xFF;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append((char) c);
            }
            else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0x0F]);
            }
        }
        return out.toString();
    }

    private static void append(StringBuilder bag, String key, @Nullable String value) {
        if (value != null) {
            if (!bag.isEmpty()) {
                bag.append('&');
            }
            bag.append(key).append('=').append(percentEncode(value));
        }
    }
}
