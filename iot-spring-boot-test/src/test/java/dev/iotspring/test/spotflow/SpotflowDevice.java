package dev.iotspring.test.spotflow;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** A device's side of the HTTP API in the tests: plain JDK client, the requests of spec §2. */
final class SpotflowDevice {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http;

    private final String url;

    SpotflowDevice(SpotflowEmulator emulator) {
        this(emulator, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build());
    }

    SpotflowDevice(SpotflowEmulator emulator, HttpClient http) {
        this.http = http;
        this.url = emulator.url();
    }

    HttpResponse<String> call(SpotflowEndpoint endpoint, String token, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(this.url + endpoint.path()))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .header("Authorization", "DeviceToken " + token)
            .method(endpoint.method(), HttpRequest.BodyPublishers.ofString(body))
            .build();
        return this.http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    /** Provisions {@code deviceId} (approving the operation) and registers it; returns the register response. */
    static JsonNode provisionAndRegister(SpotflowEmulator emulator, String deviceId) throws Exception {
        SpotflowDevice device = new SpotflowDevice(emulator);
        String pt = emulator.provisioningToken();
        HttpResponse<String> init = device.call(SpotflowEndpoint.INIT, pt, "{\"deviceId\":\"" + deviceId + "\"}");
        assertThat(init.statusCode()).isEqualTo(200);
        String operationId = json(init).get("provisioningOperationId").asString();
        emulator.approve(operationId);
        HttpResponse<String> complete = device.call(SpotflowEndpoint.COMPLETE, pt,
                "{\"provisioningOperationId\":\"" + operationId + "\"}");
        assertThat(complete.statusCode()).isEqualTo(200);
        String rt = json(complete).get("registrationToken").asString();
        HttpResponse<String> register = device.call(SpotflowEndpoint.REGISTER, rt,
                "{\"connectionStringType\":\"SharedAccessSignature\"}");
        assertThat(register.statusCode()).isEqualTo(200);
        return json(register);
    }

    /** The value of {@code key} in an IoT Hub connection string (parts split on ';', each at its first '='). */
    static String connectionStringPart(String connectionString, String key) {
        for (String part : connectionString.split(";")) {
            int equals = part.indexOf('=');
            if (part.substring(0, equals).equals(key)) {
                return part.substring(equals + 1);
            }
        }
        throw new AssertionError("No " + key + " in the connection string");
    }
}
