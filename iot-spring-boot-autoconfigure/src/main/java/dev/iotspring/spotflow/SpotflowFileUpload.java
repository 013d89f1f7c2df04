package dev.iotspring.spotflow;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.UUID;

import reactor.netty.http.client.HttpClientRequest;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * IoT Hub file upload for payloads above the inline limit, as the platform expects them: ask the hub for a blob
 * ({@code POST /devices/<id>/files}, SAS as {@code Authorization}), {@code PUT} the bytes as a block blob, tell the
 * hub it is complete ({@code POST /devices/<id>/files/notifications}). The stream message then carries
 * {@code {"link":"<blobName>"}}. Blocking; runs off the dispatcher's and Paho's threads.
 */
final class SpotflowFileUpload {

    private static final String API_VERSION = "?api-version=2020-03-13";

    /** Built on the first upload, off the startup thread. */
    private final Supplier<WebClient> webClient;

    private final String scheme;

    private final int port;

    private final Duration timeout;

    /**
     * The blob PUT's own limit: its duration grows with the payload and the uplink, and a failed attempt is
     * repeated whole, so the hub requests' 10 s would stall the queue for good behind a large payload on a slow
     * link.
     */
    private final Duration blobTimeout;

    private final JsonMapper json;

    /**
     * @param scheme {@code https} (IoT Hub), {@code http} only for emulators
     * @param port the hub's HTTPS port (443)
     * @param timeout of the upload request and the notification
     * @param blobTimeout of the blob upload, answer included
     */
    SpotflowFileUpload(Supplier<WebClient> webClient, String scheme, int port, Duration timeout,
            Duration blobTimeout, JsonMapper json) {
        this.webClient = Objects.requireNonNull(webClient, "webClient");
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        this.port = port;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.blobTimeout = Objects.requireNonNull(blobTimeout, "blobTimeout");
        this.json = Objects.requireNonNull(json, "json");
    }

    /** Uploads the bytes and returns the payload to publish instead, {@code {"link":"<blobName>"}}. */
    byte[] upload(String hubHost, String hubDeviceId, String sas, byte[] content) {
        String blobName = UUID.randomUUID().toString();
        String base = this.scheme + "://" + hubHost + ":" + this.port + "/devices/" + hubDeviceId + "/files";
        ObjectNode request = this.json.createObjectNode().put("blobName", blobName);
        JsonNode grant = this.json.readTree(post(base + API_VERSION, sas, request, "file upload request"));
        String target = this.scheme + "://" + text(grant, "hostName") + "/" + text(grant, "containerName") + "/"
                + text(grant, "blobName") + text(grant, "sasToken");
        Integer status;
        try {
            status = this.webClient.get().put()
                .uri(URI.create(target))
                .header("x-ms-blob-type", "BlockBlob")
                // the client's response timeout (request-timeout) would cut a slow upload short too
                .httpRequest((put) -> {
                    if (put.getNativeRequest() instanceof HttpClientRequest netty) {
                        netty.responseTimeout(this.blobTimeout);
                    }
                })
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .bodyValue(content)
                .exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()))
                .timeout(this.blobTimeout)
                .block();
        }
        catch (RuntimeException ex) {
            // The client's message would show the blob URL, whose query is a secret grant: only the type, or
            // the limit that was reached (the timeout operator's, or Netty's response timeout, as the cause).
            String what = timedOut(ex)
                    ? "no answer within " + this.blobTimeout + ", iot.spotflow.file-upload-timeout"
                    : ex.getClass().getSimpleName();
            throw new SpotflowHttpException("blob upload (" + what + ")", 0, null, null, null);
        }
        check((status != null) ? status : 0, "blob upload");
        ObjectNode done = this.json.createObjectNode()
            .put("correlationId", text(grant, "correlationId"))
            .put("isSuccess", true)
            .put("statusCode", 200)
            .put("statusDescription", "Done");
        post(base + "/notifications" + API_VERSION, sas, done, "file upload notification");
        return this.json.writeValueAsBytes(this.json.createObjectNode().put("link", blobName));
    }

    private String post(String url, String sas, ObjectNode body, String operation) {
        return this.webClient.get().post()
            .uri(URI.create(url))
            .header("Authorization", sas)
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(this.json.writeValueAsString(body))
            .exchangeToMono((response) -> response.bodyToMono(String.class)
                .defaultIfEmpty("{}")
                .map((text) -> {
                    check(response.statusCode().value(), operation);
                    return text.isBlank() ? "{}" : text;
                }))
            .block(this.timeout);
    }

    private static boolean timedOut(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException
                    || t instanceof io.netty.handler.timeout.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static int check(int status, String operation) {
        if (status >= 300 || status == 0) {
            throw new SpotflowHttpException(operation, status, null, null, null);
        }
        return status;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isString()) {
            throw new SpotflowHttpException("file upload request (answer without " + field + ")", 200, null, null,
                    null);
        }
        return value.asString();
    }
}
