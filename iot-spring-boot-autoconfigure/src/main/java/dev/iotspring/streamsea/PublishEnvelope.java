package dev.iotspring.streamsea;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The body of a publish request, {@code {"payload":<payload>}} (spec §2.2), always written compactly by this
 * client: a batch then copies each queued payload's bytes into one array without parsing them again.
 */
final class PublishEnvelope {

    static final byte[] START = "{\"payload\":".getBytes(StandardCharsets.UTF_8);

    private PublishEnvelope() {
    }

    /** {@code {"payload":} + the payload's JSON + {@code }}. */
    static byte[] wrap(byte[] payloadJson) {
        byte[] body = new byte[START.length + payloadJson.length + 1];
        System.arraycopy(START, 0, body, 0, START.length);
        System.arraycopy(payloadJson, 0, body, START.length, payloadJson.length);
        body[body.length - 1] = '}';
        return body;
    }

    /** Whether {@code body} is as {@link #wrap} writes it, so its payload is the bytes between. */
    static boolean isCompact(byte[] body) {
        return body.length > START.length + 1 && body[body.length - 1] == '}'
                && Arrays.equals(body, 0, START.length, START, 0, START.length);
    }
}
