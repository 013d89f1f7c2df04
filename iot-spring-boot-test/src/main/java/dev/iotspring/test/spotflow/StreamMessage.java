package dev.iotspring.test.spotflow;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import com.aayushatharva.brotli4j.decoder.DirectDecompress;
import org.jspecify.annotations.Nullable;

/**
 * A stream message (or batch/message completion) a device published, decoded as the platform reads it
 * (spec §4).
 *
 * @param deviceId the device id (without workspace)
 * @param topic the topic exactly as sent
 * @param properties the decoded property bag, in topic order
 * @param payload the MQTT payload as sent (compressed when {@code content-encoding=br}; the
 * {@code {"link":"<blobName>"}} with {@code has-externalized-payload=true})
 * @param body the content: the uploaded blob for an externalized payload, then Brotli-decoded when
 * {@code content-encoding=br}
 * @param qos QoS of the PUBLISH
 * @param retain retain flag
 * @param duplicate DUP flag (a redelivery after reconnect)
 * @param problems every way the message differs from what the reference SDK sends (topic bytes, key order,
 * percent-encoding, flags, empty completion payloads, QoS 1, no retain, payload limit, Brotli stream); empty when
 * it matches
 * @param receivedAt when the broker received it
 */
public record StreamMessage(String deviceId, String topic, Map<String, String> properties, byte[] payload,
        byte[] body, int qos, boolean retain, boolean duplicate, List<String> problems, Instant receivedAt) {

    /** Above this (possibly compressed) size the SDK uploads the payload as a blob instead (spec §4). */
    public static final int MAX_PAYLOAD = 250_000;

    public StreamMessage {
        properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
        problems = List.copyOf(problems);
    }

    /** Decodes a PUBLISH on {@code devices/<hubDeviceId>/messages/events/<bag>}. */
    static StreamMessage decode(String deviceId, String eventsPrefix, String topic, byte[] payload, int qos,
            boolean retain, boolean duplicate, Instant receivedAt, Function<String, byte @Nullable []> blobs) {
        List<String> problems = new ArrayList<>();
        String bagText = "";
        if (topic.length() == eventsPrefix.length() - 1) {
            problems.add("the topic lacks the '/' after 'events' that the SDK always writes");
        }
        else {
            bagText = topic.substring(eventsPrefix.length());
        }
        PropertyBag bag = PropertyBag.parse(bagText);
        problems.addAll(bag.problems());
        Map<String, String> properties = bag.properties();
        if (qos != 1) {
            problems.add("QoS " + qos + " where the SDK publishes QoS 1");
        }
        if (retain) {
            problems.add("retain flag set; the SDK never retains");
        }
        checkFlags(properties, payload, problems);
        byte[] body = payload;
        if ("true".equals(properties.get("has-externalized-payload"))) {
            body = externalized(payload, blobs, problems);
        }
        if ("br".equals(properties.get("content-encoding"))) {
            try {
                byte[] compressed = body;
                body = brotliDecode(compressed);
                if (compressed.length >= body.length) {
                    problems.add("content-encoding=br although the " + compressed.length + " compressed bytes are not "
                            + "fewer than the " + body.length + " original ones; the SDK then sends the original");
                }
            }
            catch (IOException | RuntimeException ex) {
                problems.add("content-encoding=br but the payload is not a Brotli stream: " + ex.getMessage());
            }
        }
        if (payload.length > MAX_PAYLOAD) {
            problems.add("payload of " + payload.length + " bytes exceeds " + MAX_PAYLOAD
                    + "; the SDK uploads it as a blob");
        }
        return new StreamMessage(deviceId, topic, properties, payload, body, qos, retain, duplicate, problems,
                receivedAt);
    }

    /** The uploaded bytes a {@code {"link":"<blobName>"}} payload names (the payload itself if it names none). */
    private static byte[] externalized(byte[] payload, Function<String, byte @Nullable []> blobs,
            List<String> problems) {
        String link;
        try {
            link = TwinStore.JSON.readTree(payload).path("link").asString(null);
        }
        catch (RuntimeException ex) {
            link = null;
        }
        if (link == null) {
            problems.add("has-externalized-payload=true but the payload is not {\"link\":\"<blobName>\"}");
            return payload;
        }
        byte[] blob = blobs.apply(link);
        if (blob == null) {
            problems.add("link '" + link + "' names no completed file upload of this device");
            return payload;
        }
        if (blob.length <= MAX_PAYLOAD) {
            problems.add("an externalized payload of " + blob.length + " bytes; the SDK sends up to " + MAX_PAYLOAD
                    + " inline");
        }
        return blob;
    }

    private static void checkFlags(Map<String, String> properties, byte[] payload, List<String> problems) {
        requireValue(properties, "content-encoding", "br", problems);
        requireValue(properties, "has-externalized-payload", "true", problems);
        requireValue(properties, "complete-batch", "true", problems);
        requireValue(properties, "complete-message", "true", problems);
        requireValue(properties, "ignore-payload", "true", problems);
        boolean completion = properties.containsKey("complete-batch") || properties.containsKey("complete-message");
        if (properties.containsKey("complete-batch") && properties.containsKey("complete-message")) {
            problems.add("complete-batch and complete-message together");
        }
        if (completion) {
            if (!properties.containsKey("batch-id")) {
                problems.add("a completion without batch-id");
            }
            if (properties.containsKey("complete-message") != properties.containsKey("message-id")) {
                problems.add(properties.containsKey("complete-message") ? "a message completion without message-id"
                        : "a batch completion with a message-id");
            }
            if (!properties.containsKey("ignore-payload")) {
                problems.add("a completion without ignore-payload=true");
            }
            if (payload.length > 0) {
                problems.add("a completion with a " + payload.length + "-byte payload; the SDK sends none");
            }
            if (properties.containsKey("content-encoding")) {
                problems.add("a completion with content-encoding");
            }
        }
        else if (properties.containsKey("ignore-payload")) {
            problems.add("ignore-payload without a completion flag");
        }
        if (properties.containsKey("content-encoding") && payload.length == 0) {
            problems.add("content-encoding=br on an empty payload; the SDK skips compressing empty payloads");
        }
    }

    private static void requireValue(Map<String, String> properties, String key, String expected,
            List<String> problems) {
        String value = properties.get(key);
        if (value != null && !value.equals(expected)) {
            problems.add(key + "=" + value + " where the SDK only writes " + key + "=" + expected);
        }
    }

    /** Decodes a complete Brotli stream (brotli4j, native). */
    static byte[] brotliDecode(byte[] compressed) throws IOException {
        Brotli4jLoader.ensureAvailability();
        DirectDecompress result = DirectDecompress.decompress(compressed);
        if (result.getResultStatus() != DecoderJNI.Status.DONE) {
            throw new IOException("Brotli decoder ended with " + result.getResultStatus());
        }
        return result.getDecompressedData();
    }

    /** A property, or null. */
    public @Nullable String property(String key) {
        return this.properties.get(key);
    }

    public String bodyAsString() {
        return new String(this.body, StandardCharsets.UTF_8);
    }

    /** Whether the payload was Brotli-compressed ({@code content-encoding=br}). */
    public boolean compressed() {
        return "br".equals(this.properties.get("content-encoding"));
    }

    public boolean isBatchCompletion() {
        return "true".equals(this.properties.get("complete-batch"));
    }

    public boolean isMessageCompletion() {
        return "true".equals(this.properties.get("complete-message"));
    }

    @Override
    public String toString() {
        return "StreamMessage[" + this.deviceId + " " + this.properties + ", " + this.body.length + " bytes"
                + (this.duplicate ? ", dup" : "") + (this.problems.isEmpty() ? "" : ", problems=" + this.problems)
                + "]";
    }
}
