package dev.iotspring.test.spotflow;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * IoT Hub file upload as the SDK uses it for payloads over 250,000 bytes (spec §4): {@code POST
 * /devices/{id}/files} (SAS in {@code Authorization}) hands out a blob URL, {@code PUT} of the blob with
 * {@code x-ms-blob-type: BlockBlob}, {@code POST /devices/{id}/files/notifications} completes it. Served on the
 * emulator's HTTP port; the stream message then carries {@code {"link":"<blobName>"}} and the hub side resolves
 * it to the uploaded bytes.
 */
final class FileUploads {

    static final String API_VERSION = "2020-03-13";

    static final String CONTAINER = "spotflow-uploads";

    private static final Pattern FILES = Pattern.compile("/devices/([^/]+)/files");

    private static final Pattern NOTIFICATIONS = Pattern.compile("/devices/([^/]+)/files/notifications");

    private final DeviceRegistry registry;

    private volatile String blobHost = "localhost";

    private final Map<String, Upload> byCorrelation = new HashMap<>();

    private final Map<String, Upload> byPath = new HashMap<>();

    private final Map<String, Upload> byName = new HashMap<>();

    FileUploads(DeviceRegistry registry) {
        this.registry = registry;
    }

    /** The {@code host:port} blob URLs name (the emulator's HTTP server under the hub host name). */
    void blobHost(String hostAndPort) {
        this.blobHost = hostAndPort;
    }

    static boolean handles(String path) {
        return (path.startsWith("/devices/") && path.contains("/files")) || path.startsWith("/" + CONTAINER + "/");
    }

    /** Status of a successful call: 200 with a body, else 201 for a blob PUT and 204 for a notification. */
    static int status(String path, @Nullable JsonNode answer) {
        return (answer != null) ? 200 : path.startsWith("/" + CONTAINER + "/") ? 201 : 204;
    }

    /** The JSON answer (200), or null (see {@link #status}). */
    @Nullable JsonNode route(String method, String path, Map<String, List<String>> query,
            Map<String, String> headers, byte[] body) {
        if (path.startsWith("/" + CONTAINER + "/")) {
            putBlob(method, path, query, headers, body);
            return null;
        }
        if (!method.equals("POST")) {
            throw new ProblemException(405, null, "Method Not Allowed", "Use POST");
        }
        if (!List.of(API_VERSION).equals(query.get("api-version"))) {
            throw ProblemException.badRequest("api-version must be " + API_VERSION);
        }
        Matcher notifications = NOTIFICATIONS.matcher(path);
        Matcher files = FILES.matcher(path);
        String hubDeviceId = notifications.matches() ? notifications.group(1) : files.matches() ? files.group(1) : null;
        if (hubDeviceId == null) {
            throw new ProblemException(404, null, "Not Found", "No resource at this path");
        }
        String deviceId = authenticate(hubDeviceId, headers.get("authorization"));
        ObjectNode json = ProvisioningApi.parse(new String(body, java.nio.charset.StandardCharsets.UTF_8));
        return notifications.matches() ? notify(deviceId, json) : start(deviceId, hubDeviceId, json);
    }

    private String authenticate(String hubDeviceId, @Nullable String authorization) {
        String deviceId = this.registry.deviceIdOf(hubDeviceId);
        if (deviceId == null || this.registry.checkSas(deviceId, authorization) != DeviceRegistry.SasCheck.VALID) {
            throw ProblemException.unauthorized("Authorization must be a valid SAS token of " + hubDeviceId);
        }
        return deviceId;
    }

    private synchronized JsonNode start(String deviceId, String hubDeviceId, ObjectNode json) {
        ProvisioningApi.requireOnlyKeys(json, Set.of("blobName"));
        String name = ProvisioningApi.requireText(json, "blobName");
        Upload upload = new Upload(deviceId, name, hubDeviceId + "/" + name, UUID.randomUUID().toString(),
                DeviceRegistry.randomToken(24));
        this.byCorrelation.put(upload.correlationId, upload);
        this.byPath.put(upload.path, upload);
        ObjectNode reply = TwinStore.JSON.createObjectNode();
        reply.put("correlationId", upload.correlationId);
        reply.put("hostName", this.blobHost);
        reply.put("containerName", CONTAINER);
        reply.put("blobName", upload.path);
        reply.put("sasToken", "?sv=2018-03-28&sr=b&sp=rcw&sig=" + upload.signature);
        return reply;
    }

    private synchronized void putBlob(String method, String path, Map<String, List<String>> query,
            Map<String, String> headers, byte[] body) {
        if (!method.equals("PUT")) {
            throw new ProblemException(405, null, "Method Not Allowed", "Use PUT");
        }
        Upload upload = this.byPath.get(path.substring(CONTAINER.length() + 2));
        if (upload == null || !List.of(upload.signature).equals(query.get("sig"))) {
            throw new ProblemException(403, null, "Forbidden", "No upload grant for this blob and signature");
        }
        if (!"BlockBlob".equals(headers.get("x-ms-blob-type"))) {
            throw ProblemException.badRequest("x-ms-blob-type must be BlockBlob");
        }
        upload.content = body.clone();
    }

    private synchronized @Nullable JsonNode notify(String deviceId, ObjectNode json) {
        ProvisioningApi.requireOnlyKeys(json, Set.of("correlationId", "isSuccess", "statusCode", "statusDescription"));
        Upload upload = this.byCorrelation.get(ProvisioningApi.requireText(json, "correlationId"));
        if (upload == null || !upload.deviceId.equals(deviceId)) {
            throw ProblemException.badRequest("Unknown correlationId");
        }
        upload.completed = json.path("isSuccess").asBoolean(false) && upload.content != null;
        if (upload.completed) {
            this.byName.put(upload.name, upload);
        }
        return null;
    }

    /** The bytes of a completed upload by the name the device generated (the stream message's link), or null. */
    synchronized byte @Nullable [] completedBlob(String deviceId, String name) {
        Upload upload = this.byName.get(name);
        return (upload != null && upload.deviceId.equals(deviceId) && upload.content != null) ? upload.content
                : null;
    }

    private static final class Upload {

        final String deviceId;

        final String name;

        final String path;

        final String correlationId;

        final String signature;

        byte @Nullable [] content;

        boolean completed;

        Upload(String deviceId, String name, String path, String correlationId, String signature) {
            this.deviceId = deviceId;
            this.name = name;
            this.path = path;
            this.correlationId = correlationId;
            this.signature = signature;
        }
    }
}
