package dev.iotspring.astarte;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The purge-properties payload (spec §8): {@code interface/path} entries joined by ';', sent as a 4-byte
 * big-endian length of the UTF-8 text followed by its zlib stream.
 */
final class AstartePurgeList {

    /** The server refuses to inflate more than this. */
    static final int MAX_INFLATED = 10 * 1024 * 1024;

    private AstartePurgeList() {
    }

    /**
     * Encodes a purge list. An empty list is the bare header {@code 00 00 00 00}, which Astarte reads as "no
     * properties" exactly like a header plus the zlib stream of an empty text (spec §7).
     */
    static byte[] encode(Collection<String> entries) {
        if (entries.isEmpty()) {
            return new byte[4];
        }
        byte[] text = String.join(";", entries).getBytes(StandardCharsets.UTF_8);
        Deflater deflater = new Deflater();
        deflater.setInput(text);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length / 2 + 16);
        out.writeBytes(ByteBuffer.allocate(4).putInt(text.length).array());
        byte[] buffer = new byte[4096];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return out.toByteArray();
    }

    /**
     * Decodes a purge list; the length header is only a hint (Python SDKs write it little-endian).
     * @throws IllegalArgumentException when it is not a header plus zlib stream
     */
    static Set<String> decode(byte[] payload) {
        if (payload.length < 4) {
            throw new IllegalArgumentException("purge list has " + payload.length + " bytes, fewer than its header");
        }
        if (payload.length == 4) {
            return new LinkedHashSet<>();
        }
        Inflater inflater = new Inflater();
        inflater.setInput(payload, 4, payload.length - 4);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                if (n == 0 && !inflater.finished() && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IllegalArgumentException("purge list zlib stream is truncated");
                }
                out.write(buffer, 0, n);
                if (out.size() > MAX_INFLATED) {
                    throw new IllegalArgumentException("purge list inflates beyond " + MAX_INFLATED + " bytes");
                }
            }
        }
        catch (DataFormatException ex) {
            throw new IllegalArgumentException("purge list is not a zlib stream: " + ex.getMessage(), ex);
        }
        finally {
            inflater.end();
        }
        String text = out.toString(StandardCharsets.UTF_8);
        Set<String> entries = new LinkedHashSet<>();
        for (String entry : text.split(";")) {
            if (!entry.isEmpty()) {
                entries.add(entry);
            }
        }
        return entries;
    }
}
