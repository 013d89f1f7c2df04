package dev.iotspring.test.astarte;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.test.tls.TestCertificateAuthority;

/**
 * The request handlers of the emulated Pairing API (spec §3): routes, authentication (agent JWT, credentials
 * secret), the {@code "data"} envelopes and the error bodies and statuses of {@code astarte_pairing}.
 */
final class PairingApi {

    /** Where the API lives on the emulator's server; clients append {@code /v1/...} to it. */
    static final String BASE_PATH = "/pairing";

    /**
     * Astarte searches each Authorization header for this, case-insensitively and not anchored at the start
     * ({@code device_controller.ex}).
     */
    private static final Pattern BEARER = Pattern.compile("bearer:?\\s+(.*)$", Pattern.CASE_INSENSITIVE);

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS'Z'")
        .withZone(ZoneOffset.UTC);

    private static final String JSON_TYPE = "application/json; charset=utf-8";

    private final JsonMapper json;

    private final Clock clock;

    private final String realm;

    private final AgentTokens tokens;

    private final PairingState state;

    private final DeviceCertificates certificates;

    private final PairingFaults faults;

    private final Supplier<String> brokerUrl;

    private final List<RecordedPairingRequest> requests = new CopyOnWriteArrayList<>();

    private volatile PublicKey realmKey;

    PairingApi(JsonMapper json, Clock clock, String realm, PublicKey realmKey, PairingState state,
            DeviceCertificates certificates, PairingFaults faults, Supplier<String> brokerUrl) {
        this.json = json;
        this.clock = clock;
        this.realm = realm;
        this.realmKey = realmKey;
        this.tokens = new AgentTokens(json, clock);
        this.state = state;
        this.certificates = certificates;
        this.faults = faults;
        this.brokerUrl = brokerUrl;
    }

    void realmKey(PublicKey key) {
        this.realmKey = key;
    }

    List<RecordedPairingRequest> requests() {
        return List.copyOf(this.requests);
    }

    void clearRequests() {
        this.requests.clear();
    }

    Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        Map<String, String> headers = new LinkedHashMap<>();
        request.requestHeaders()
            .forEach((e) -> headers.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
        List<String> authorizations = request.requestHeaders().getAll("authorization");
        String method = request.method().name();
        String path = request.fullPath();
        return request.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("").flatMap((body) -> {
            Reply reply = answer(method, path, headers, authorizations, body);
            this.requests.add(new RecordedPairingRequest(method, path, Map.copyOf(headers), body, reply.status,
                    this.clock.instant()));
            HttpServerResponse out = response.status(reply.status);
            if (reply.body == null) {
                return out.send().then();
            }
            return out.header("Content-Type", JSON_TYPE).sendString(Mono.just(reply.body)).then();
        });
    }

    private Reply answer(String method, String path, Map<String, String> headers, List<String> authorizations,
            String body) {
        Integer failure = this.faults.nextFailure();
        if (failure != null) {
            return error(failure, "Injected failure");
        }
        String prefix = BASE_PATH + "/v1/";
        if (!path.startsWith(prefix)) {
            return error(404, "Page not found");
        }
        String rest = path.substring(prefix.length());
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            return error(404, "Page not found");
        }
        String realmName = rest.substring(0, slash);
        String route = rest.substring(slash + 1);
        String[] segments = route.split("/", -1);
        boolean agentRoute = (route.equals("agent/devices") && method.equals("POST"))
                || (segments.length == 3 && route.startsWith("agent/devices/") && method.equals("DELETE"));
        boolean deviceRoute = segments.length >= 2 && segments[0].equals("devices")
                && isDeviceRoute(method, route.substring(("devices/" + segments[1]).length()));
        if (!agentRoute && !deviceRoute) {
            return error(404, "Page not found");
        }
        if (!realmName.equals(this.realm)) {
            // VerifyRealmExists runs before authentication.
            return error(403, "Forbidden");
        }
        if (agentRoute) {
            Reply refused = agentAuth(authorizations, method, path.substring(BASE_PATH.length()), route);
            if (refused != null) {
                return refused;
            }
            return method.equals("POST") ? register(headers, body) : unregister(segments[2]);
        }
        String tail = route.substring(("devices/" + segments[1]).length());
        String secret = bearer(authorizations);
        if (secret == null) {
            return error(401, "Unauthorized");
        }
        String deviceId = PairingState.canonicalId(segments[1]);
        if (deviceId == null || this.state.device(deviceId) == null) {
            return error(404, "Device not found");
        }
        PairingState.Device device = this.state.authenticate(deviceId, secret);
        if (device == null) {
            return error(403, "Forbidden");
        }
        return switch (tail) {
            case "" -> info(device);
            case "/protocols/astarte_mqtt_v1/credentials" -> credentials(device, headers, body);
            default -> verify(headers, body);
        };
    }

    private static boolean isDeviceRoute(String method, String tail) {
        return switch (tail) {
            case "" -> method.equals("GET");
            case "/protocols/astarte_mqtt_v1/credentials", "/protocols/astarte_mqtt_v1/credentials/verify" ->
                method.equals("POST");
            default -> false;
        };
    }

    /** Guardian's answers: missing token, invalid token (signature, alg, exp), path not granted by {@code a_pa}. */
    private @Nullable Reply agentAuth(List<String> authorizations, String method, String requestPath, String route) {
        String token = bearer(authorizations);
        if (token == null) {
            return error(401, "Missing authorization token");
        }
        return switch (this.tokens.check(token, this.realmKey, method, route)) {
            case ACCEPTED -> null;
            case UNAUTHORIZED -> error(401, "Invalid JWT token");
            case FORBIDDEN -> error(403,
                    "Unauthorized access to " + method + " " + requestPath + ". Please verify your permissions");
        };
    }

    private static @Nullable String bearer(List<String> authorizations) {
        for (String header : authorizations) {
            Matcher matcher = BEARER.matcher(header);
            if (matcher.find()) {
                return matcher.group(1);
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------ routes

    private Reply register(Map<String, String> headers, String body) {
        JsonNode data = data(headers, body);
        if (data == null) {
            return error(400, "Bad request");
        }
        JsonNode hwId = data.path("hw_id");
        if (hwId.isMissingNode() || hwId.isNull() || (hwId.isString() && hwId.asString().isEmpty())) {
            return fieldError("hw_id", "can't be blank");
        }
        String deviceId = hwId.isString() ? PairingState.canonicalId(hwId.asString()) : null;
        if (deviceId == null) {
            return fieldError("hw_id", "is not a valid base64 encoded 128 bits id");
        }
        JsonNode introspection = data.path("initial_introspection");
        if (!introspection.isMissingNode() && !validIntrospection(introspection)) {
            return fieldError("initial_introspection", "is invalid");
        }
        Optional<String> secret = this.state.register(deviceId);
        if (secret.isEmpty()) {
            return error(422, "Device already registered");
        }
        ObjectNode out = this.json.createObjectNode();
        out.putObject("data").put("credentials_secret", secret.get());
        return new Reply(201, out.toString());
    }

    private static boolean validIntrospection(JsonNode introspection) {
        if (!introspection.isObject()) {
            return false;
        }
        for (var entry : introspection.properties()) {
            JsonNode version = entry.getValue();
            if (!version.path("major").isIntegralNumber() || !version.path("minor").isIntegralNumber()
                    || version.path("major").asInt() < 0 || version.path("minor").asInt() < 0) {
                return false;
            }
        }
        return true;
    }

    private Reply unregister(String rawId) {
        String deviceId = PairingState.canonicalId(rawId);
        if (deviceId == null || !this.state.unregister(deviceId)) {
            return error(404, "Device not found");
        }
        return new Reply(204, null);
    }

    private Reply info(PairingState.Device device) {
        ObjectNode out = this.json.createObjectNode();
        ObjectNode data = out.putObject("data");
        data.put("version", "1.2.0");
        data.put("status", device.status());
        data.putObject("protocols").putObject("astarte_mqtt_v1").put("broker_url", this.brokerUrl.get());
        return new Reply(200, out.toString());
    }

    private Reply credentials(PairingState.Device device, Map<String, String> headers, String body) {
        if (device.inhibited) {
            return error(403, "Forbidden");
        }
        JsonNode data = data(headers, body);
        if (data == null) {
            return error(400, "Bad request");
        }
        JsonNode csrNode = data.path("csr");
        if (!csrNode.isString() || csrNode.asString().isBlank()) {
            return fieldError("csr", "can't be blank");
        }
        JcaPKCS10CertificationRequest csr = DeviceCertificates.parseCsr(csrNode.asString());
        if (csr == null) {
            return fieldError("csr", "is not a valid PEM CSR");
        }
        X509Certificate certificate = this.certificates.sign(csr, this.realm + "/" + device.id);
        this.certificates.issued(device, certificate);
        ObjectNode out = this.json.createObjectNode();
        out.putObject("data").put("client_crt", TestCertificateAuthority.toPem(certificate));
        return new Reply(201, out.toString());
    }

    private Reply verify(Map<String, String> headers, String body) {
        JsonNode data = data(headers, body);
        if (data == null) {
            return error(400, "Bad request");
        }
        JsonNode pem = data.path("client_crt");
        if (!pem.isString() || pem.asString().isBlank()) {
            return fieldError("client_crt", "can't be blank");
        }
        CertificateVerdict verdict = this.certificates.verify(pem.asString());
        ObjectNode out = this.json.createObjectNode();
        ObjectNode result = out.putObject("data");
        result.put("valid", verdict.valid());
        result.put("timestamp", TIMESTAMP.format(this.clock.instant()));
        if (verdict.valid()) {
            result.put("until", TIMESTAMP.format(verdict.until()));
        }
        else {
            result.put("cause", verdict.cause());
            result.putNull("details");
        }
        return new Reply(200, out.toString());
    }

    // --------------------------------------------------------------------------------------- envelopes

    /** The {@code "data"} object of a JSON body, or null (Phoenix answers 400 when the action does not match). */
    private @Nullable JsonNode data(Map<String, String> headers, String body) {
        String type = headers.getOrDefault("content-type", "");
        if (!type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            return null;
        }
        try {
            JsonNode data = this.json.readTree(body).path("data");
            return data.isObject() ? data : null;
        }
        catch (JacksonException ex) {
            return null;
        }
    }

    private Reply error(int status, String detail) {
        ObjectNode out = this.json.createObjectNode();
        out.putObject("errors").put("detail", detail);
        return new Reply(status, out.toString());
    }

    private Reply fieldError(String field, String message) {
        ObjectNode out = this.json.createObjectNode();
        out.putObject("errors").putArray(field).add(message);
        return new Reply(422, out.toString());
    }

    private record Reply(int status, @Nullable String body) {
    }
}
