package dev.iotspring.test.spotflow;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.handler.codec.http.QueryStringDecoder;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.test.spotflow.DeviceRegistry.IssuedToken;
import dev.iotspring.test.spotflow.DeviceRegistry.Registration;

/**
 * The request handlers of the device HTTP API (spec §2): strict about method, path, {@code Content-Type},
 * {@code Authorization: DeviceToken <token>} (provisioning token for init, complete and refresh; registration
 * token for register) and the JSON keys of each body; failures are RFC 7807 problem details.
 */
final class ProvisioningApi {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final DateTimeFormatter RFC_3339 = DateTimeFormatter.ISO_INSTANT;

    private final Clock clock;

    private final ProvisioningState state;

    private final DeviceRegistry registry;

    private final ProvisioningFaults faults;

    private final Monitor monitor;

    private volatile Set<String> provisioningTokens;

    private final List<RecordedHttpRequest> requests = new CopyOnWriteArrayList<>();

    private volatile @Nullable OperatorApi operator;

    private volatile @Nullable FileUploads uploads;

    /** How long a blob upload takes to arrive, as over a slow uplink: its answer is held that long. */
    private volatile Duration blobUploadLatency = Duration.ZERO;

    ProvisioningApi(Clock clock, ProvisioningState state, DeviceRegistry registry, ProvisioningFaults faults,
            Monitor monitor, Set<String> provisioningTokens) {
        this.monitor = monitor;
        this.clock = clock;
        this.state = state;
        this.registry = registry;
        this.faults = faults;
        this.provisioningTokens = Set.copyOf(provisioningTokens);
    }

    /** Serves the operator calls under {@code /workspaces/} and IoT Hub's file upload too. */
    void extras(OperatorApi operator, FileUploads uploads) {
        this.operator = operator;
        this.uploads = uploads;
    }

    void blobUploadLatency(Duration latency) {
        this.blobUploadLatency = latency;
    }

    void provisioningTokens(Set<String> tokens) {
        this.provisioningTokens = Set.copyOf(tokens);
    }

    List<RecordedHttpRequest> requests() {
        return List.copyOf(this.requests);
    }

    void clearRequests() {
        this.requests.clear();
    }

    Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        Map<String, String> headers = new LinkedHashMap<>();
        request.requestHeaders().forEach((e) -> headers.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
        String method = request.method().name();
        Instant receivedAt = this.clock.instant();
        return request.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap((bytes) -> {
            SpotflowEndpoint endpoint = SpotflowEndpoint.forPath(path);
            boolean upload = endpoint == null && FileUploads.handles(path);
            String body = upload && !path.startsWith("/devices/") ? "<" + bytes.length + " bytes>"
                    : new String(bytes, StandardCharsets.UTF_8);
            Reply reply;
            try {
                reply = dispatch(endpoint, method, path, uri.parameters(), headers, body, bytes);
            }
            catch (ProblemException ex) {
                reply = new Reply(ex.status(), problem(ex, path));
            }
            this.requests.add(new RecordedHttpRequest(endpoint, method, path, Map.copyOf(headers), body,
                    reply.status, receivedAt));
            this.monitor.changed();
            Duration latency = this.blobUploadLatency;
            if (upload && !path.startsWith("/devices/") && !latency.isZero()) {
                return Mono.delay(latency).then(send(response, reply));
            }
            return send(response, reply);
        });
    }

    private Reply dispatch(@Nullable SpotflowEndpoint endpoint, String method, String path,
            Map<String, List<String>> query, Map<String, String> headers, String body, byte[] bytes) {
        OperatorApi operator = this.operator;
        FileUploads uploads = this.uploads;
        if (endpoint == null && operator != null && OperatorApi.handles(path)) {
            JsonNode json = operator.route(method, path, headers, body);
            return new Reply((json != null) ? 200 : 204, json);
        }
        if (endpoint == null && uploads != null && FileUploads.handles(path)) {
            JsonNode json = uploads.route(method, path, query, headers, bytes);
            return new Reply(FileUploads.status(path, json), json);
        }
        ObjectNode json = route(endpoint, method, headers, body);
        // Only complete answers without a body: 202 while the operation waits for approval.
        return new Reply((json != null) ? 200 : 202, json);
    }

    private @Nullable ObjectNode route(@Nullable SpotflowEndpoint endpoint, String method,
            Map<String, String> headers, String body) {
        if (endpoint == null) {
            throw new ProblemException(404, null, "Not Found", "No resource at this path");
        }
        if (!endpoint.method().equals(method)) {
            throw new ProblemException(405, null, "Method Not Allowed",
                    endpoint.path() + " takes " + endpoint.method());
        }
        Integer forced = this.faults.take(endpoint);
        if (forced != null) {
            throw new ProblemException(forced, "/problems/emulator/injectedFault", "Injected fault",
                    "The emulator was told to answer " + forced);
        }
        String contentType = headers.getOrDefault("content-type", "");
        if (!contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new ProblemException(415, null, "Unsupported Media Type",
                    "Content-Type must be application/json, was '" + contentType + "'");
        }
        String token = deviceToken(headers.get("authorization"));
        ObjectNode json = parse(body);
        if (endpoint != SpotflowEndpoint.REGISTER && !this.provisioningTokens.contains(token)) {
            throw ProblemException.unauthorized("Provisioning Token is invalid");
        }
        if (this.faults.workspaceDisabled()) {
            throw new ProblemException(423, "/problems/workspaceDisabled", "Workspace is disabled",
                    "Workspace " + this.registry.workspaceId() + " is disabled");
        }
        return switch (endpoint) {
            case INIT -> init(json);
            case COMPLETE -> complete(json);
            case REGISTER -> register(token, json);
            case REFRESH -> refresh(json);
        };
    }

    private ObjectNode init(ObjectNode json) {
        requireOnlyKeys(json, Set.of("deviceId"));
        String deviceId = null;
        if (json.has("deviceId")) {
            deviceId = requireText(json, "deviceId");
        }
        ProvisioningOperation operation = this.state.init(deviceId);
        ObjectNode reply = JSON.createObjectNode();
        reply.put("provisioningOperationId", operation.id());
        reply.put("verificationCode", operation.verificationCode());
        reply.put("expirationTime", time(operation.expirationTime()));
        return reply;
    }

    private @Nullable ObjectNode complete(ObjectNode json) {
        requireOnlyKeys(json, Set.of("provisioningOperationId"));
        IssuedToken token = this.state.complete(requireText(json, "provisioningOperationId"));
        return (token != null) ? tokenReply(token) : null;
    }

    private ObjectNode register(String registrationToken, ObjectNode json) {
        requireOnlyKeys(json, Set.of("connectionStringType"));
        String type = requireText(json, "connectionStringType");
        if (!"SharedAccessSignature".equals(type)) {
            throw ProblemException.badRequest("connectionStringType must be SharedAccessSignature, was " + type);
        }
        Registration registration = this.registry.register(registrationToken);
        ObjectNode reply = JSON.createObjectNode();
        reply.put("connectionString", registration.connectionString());
        reply.put("iotHubHostName", registration.hubHostName());
        reply.put("connectionStringType", "SharedAccessSignature");
        reply.put("connectionStringExpiration", time(registration.sasExpiration()));
        reply.put("tokenRemainingLifetime", timeSpan(registration.registrationTokenRemaining()));
        return reply;
    }

    private ObjectNode refresh(ObjectNode json) {
        requireOnlyKeys(json, Set.of("registrationToken"));
        return tokenReply(this.registry.refresh(requireText(json, "registrationToken")));
    }

    private static ObjectNode tokenReply(IssuedToken token) {
        ObjectNode reply = JSON.createObjectNode();
        reply.put("registrationToken", token.token());
        if (token.expiration() != null) {
            reply.put("expirationTime", time(token.expiration()));
        }
        return reply;
    }

    private static String deviceToken(@Nullable String authorization) {
        if (authorization == null || !authorization.startsWith("DeviceToken ")
                || authorization.length() == "DeviceToken ".length()) {
            throw ProblemException.unauthorized("Authorization must be 'DeviceToken <token>'");
        }
        return authorization.substring("DeviceToken ".length());
    }

    static ObjectNode parse(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node instanceof ObjectNode object) {
                return object;
            }
        }
        catch (JacksonException ex) {
            throw ProblemException.badRequest("The body is not JSON: " + ex.getOriginalMessage());
        }
        throw ProblemException.badRequest("The body must be a JSON object");
    }

    static void requireOnlyKeys(ObjectNode json, Set<String> allowed) {
        for (Iterator<String> names = json.propertyNames().iterator(); names.hasNext();) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw ProblemException.badRequest("Unknown member '" + name + "'; expected " + allowed);
            }
        }
    }

    static String requireText(ObjectNode json, String key) {
        JsonNode value = json.get(key);
        if (value == null || !value.isString() || value.asString().isEmpty()) {
            throw ProblemException.badRequest("'" + key + "' must be a non-empty string");
        }
        return value.asString();
    }

    private static ObjectNode problem(ProblemException ex, String path) {
        ObjectNode problem = JSON.createObjectNode();
        if (ex.type() != null) {
            problem.put("type", ex.type());
        }
        problem.put("title", ex.title());
        problem.put("status", ex.status());
        problem.put("detail", ex.getMessage());
        problem.put("instance", path);
        return problem;
    }

    private static Mono<Void> send(HttpServerResponse response, Reply reply) {
        if (reply.body == null) {
            return response.status(reply.status).send().then();
        }
        String contentType = (reply.status < 400) ? "application/json; charset=utf-8" : "application/problem+json";
        return response.status(reply.status)
            .header("Content-Type", contentType)
            .sendString(Mono.just(JSON.writeValueAsString(reply.body)))
            .then();
    }

    /** RFC 3339 in UTC with millisecond precision. */
    static String time(Instant instant) {
        return RFC_3339.format(instant.truncatedTo(ChronoUnit.MILLIS));
    }

    /** .NET {@code TimeSpan} text {@code [-][d.]hh:mm:ss[.fffffff]}, as the register response carries it. */
    static String timeSpan(Duration duration) {
        Duration abs = duration.abs();
        StringBuilder text = new StringBuilder(duration.isNegative() ? "-" : "");
        if (abs.toDays() > 0) {
            text.append(abs.toDays()).append('.');
        }
        text.append(String.format(Locale.ROOT, "%02d:%02d:%02d", abs.toHoursPart(), abs.toMinutesPart(),
                abs.toSecondsPart()));
        int ticks = abs.toNanosPart() / 100;
        if (ticks > 0) {
            text.append(String.format(Locale.ROOT, ".%07d", ticks));
        }
        return text.toString();
    }

    private record Reply(int status, @Nullable JsonNode body) {
    }
}
