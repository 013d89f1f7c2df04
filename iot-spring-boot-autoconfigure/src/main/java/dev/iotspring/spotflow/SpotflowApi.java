package dev.iotspring.spotflow;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The four device calls of the Spotflow provisioning API, blocking (they run on the provisioning thread): JSON
 * bodies, {@code Authorization: DeviceToken <token>} with the provisioning token for init, complete and refresh and
 * the registration token for register. No retry in here: the {@link SpotflowProvisioner} decides per status.
 */
final class SpotflowApi {

    private static final Pattern TIME_SPAN = Pattern
        .compile("(-)?(?:(\\d+)\\.)?(\\d{1,2}):(\\d{2}):(\\d{2})(?:\\.\\d+)?");

    /** Built on the first request (on the provisioning thread): Reactor Netty's set-up stays off the startup. */
    private final Supplier<WebClient> webClient;

    private final Duration requestTimeout;

    private final JsonMapper json;

    SpotflowApi(Supplier<WebClient> webClient, Duration requestTimeout, JsonMapper json) {
        this.webClient = Objects.requireNonNull(webClient, "webClient");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.json = Objects.requireNonNull(json, "json");
    }

    /** A registration token and when it really expires (null when the platform did not say). */
    record RegistrationToken(String token, @Nullable Instant expiration) {

        @Override
        public String toString() {
            return "RegistrationToken[expiration=" + this.expiration + "]";
        }
    }

    /** What {@code /devices/register} returned: where and how to connect. */
    record Registration(String hubHostName, String hubDeviceId, String sasToken, Instant sasExpiration,
            Duration tokenRemainingLifetime) {

        @Override
        public String toString() {
            return "Registration[hub=" + this.hubHostName + ", device=" + this.hubDeviceId + ", sasExpiration="
                    + this.sasExpiration + "]";
        }
    }

    SpotflowProvisioningOperation init(String provisioningToken, @Nullable String deviceId) {
        ObjectNode body = this.json.createObjectNode();
        if (deviceId != null) {
            body.put("deviceId", deviceId);
        }
        JsonNode answer = call("provisioning init", HttpMethod.POST, "/provisioning-operations/init",
                provisioningToken, body).body();
        return new SpotflowProvisioningOperation(text(answer, "provisioningOperationId", "provisioning init"),
                text(answer, "verificationCode", "provisioning init"), optionalInstant(answer, "expirationTime"));
    }

    /** @return the registration token, or null while the operation is not approved yet (HTTP 202) */
    @Nullable RegistrationToken complete(String provisioningToken, String operationId) {
        ObjectNode body = this.json.createObjectNode().put("provisioningOperationId", operationId);
        Answer answer = call("provisioning complete", HttpMethod.PUT, "/provisioning-operations/complete",
                provisioningToken, body);
        if (answer.status() == 202) {
            return null;
        }
        return token(answer.body(), "provisioning complete");
    }

    Registration register(String registrationToken, Instant now) {
        ObjectNode body = this.json.createObjectNode().put("connectionStringType", "SharedAccessSignature");
        JsonNode answer = call("registration", HttpMethod.PUT, "/devices/register", registrationToken, body).body();
        String type = text(answer, "connectionStringType", "registration");
        if (!"SharedAccessSignature".equals(type)) {
            throw new SpotflowHttpException("registration (connection string type " + type + " is not supported)",
                    200, null, null, null);
        }
        Map<String, String> parts = connectionString(text(answer, "connectionString", "registration"));
        String hubDeviceId = parts.get("DeviceId");
        String sas = parts.get("SharedAccessSignature");
        if (hubDeviceId == null || hubDeviceId.indexOf(':') < 1 || sas == null) {
            throw new SpotflowHttpException("registration (the connection string lacks DeviceId "
                    + "<workspace>:<device> or SharedAccessSignature)", 200, null, null, null);
        }
        Instant sasExpiration = optionalInstant(answer, "connectionStringExpiration");
        if (sasExpiration == null) {
            throw new SpotflowHttpException("registration (no connectionStringExpiration)", 200, null, null, null);
        }
        return new Registration(text(answer, "iotHubHostName", "registration"), hubDeviceId, sas, sasExpiration,
                timeSpan(text(answer, "tokenRemainingLifetime", "registration")));
    }

    RegistrationToken refresh(String provisioningToken, String registrationToken) {
        ObjectNode body = this.json.createObjectNode().put("registrationToken", registrationToken);
        return token(call("registration token refresh", HttpMethod.PUT, "/devices/registration-tokens/refresh",
                provisioningToken, body).body(), "registration token refresh");
    }

    /** {@code ;}-separated parts, each split at its first {@code =}. */
    static Map<String, String> connectionString(String value) {
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : value.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                parts.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return parts;
    }

    /** .NET TimeSpan text {@code [-][d.]hh:mm:ss[.fffffff]}; negative means zero, fractions are ignored. */
    static Duration timeSpan(String value) {
        Matcher m = TIME_SPAN.matcher(value.trim());
        if (!m.matches()) {
            throw new SpotflowHttpException("registration (tokenRemainingLifetime '" + value
                    + "' is not a time span)", 200, null, null, null);
        }
        if (m.group(1) != null) {
            return Duration.ZERO;
        }
        long days = (m.group(2) != null) ? Long.parseLong(m.group(2)) : 0;
        return Duration.ofDays(days).plusHours(Long.parseLong(m.group(3))).plusMinutes(Long.parseLong(m.group(4)))
            .plusSeconds(Long.parseLong(m.group(5)));
    }

    private RegistrationToken token(JsonNode body, String operation) {
        return new RegistrationToken(text(body, "registrationToken", operation),
                optionalInstant(body, "expirationTime"));
    }

    private record Answer(int status, JsonNode body) {
    }

    private Answer call(String operation, HttpMethod method, String path, String token, ObjectNode body) {
        Answer answer;
        try {
            answer = this.webClient.get().method(method)
                .uri(path)
                .contentType(MediaType.APPLICATION_JSON)
                .accept(MediaType.APPLICATION_JSON)
                .header("Authorization", "DeviceToken " + token)
                .bodyValue(this.json.writeValueAsString(body))
                .exchangeToMono((response) -> response.bodyToMono(String.class)
                    .defaultIfEmpty("")
                    .map((text) -> new Answer(response.statusCode().value(), parse(text))))
                .block(this.requestTimeout);
        }
        catch (RuntimeException ex) {
            throw new SpotflowHttpException(operation, 0, null, null, ex);
        }
        if (answer == null) {
            throw new SpotflowHttpException(operation, 0, null, null, null);
        }
        if (answer.status() >= 300) {
            JsonNode problem = answer.body();
            throw new SpotflowHttpException(operation, answer.status(), textOrNull(problem, "type"),
                    textOrNull(problem, "title"), null);
        }
        return answer;
    }

    private JsonNode parse(String text) {
        if (text.isBlank()) {
            return this.json.createObjectNode();
        }
        try {
            return this.json.readTree(text);
        }
        catch (JacksonException ex) {
            // An HTML error page from a proxy: the status decides, the body is ignored.
            return this.json.createObjectNode();
        }
    }

    private static String text(JsonNode node, String field, String operation) {
        String value = textOrNull(node, field);
        if (value == null || value.isEmpty()) {
            throw new SpotflowHttpException(operation + " (answer without " + field + ")", 200, null, null, null);
        }
        return value;
    }

    private static @Nullable String textOrNull(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return (value != null && value.isString()) ? value.asString() : null;
    }

    private static @Nullable Instant optionalInstant(JsonNode node, String field) {
        String value = textOrNull(node, field);
        return (value != null) ? OffsetDateTime.parse(value).toInstant() : null;
    }
}
