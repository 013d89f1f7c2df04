package dev.iotspring.test.spotflow;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The emulator's device HTTP API (spec §2, §12) over real HTTP with a plain JDK client: the provisioning flow,
 * token rules, and each fault switch. A settable clock lets lifetimes run out without waiting.
 */
class SpotflowProvisioningEmulatorTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final String REGISTER_BODY = "{\"connectionStringType\":\"SharedAccessSignature\"}";

    private static final SettableClock clock = new SettableClock();

    private static SpotflowEmulator emulator;

    private static SpotflowDevice device;

    private static String pt;

    @BeforeAll
    static void start() {
        emulator = SpotflowEmulator.builder().clock(clock).workspaceId("7d0c2f4e-1111-4222-8333-0123456789e1").start();
        device = new SpotflowDevice(emulator);
        pt = emulator.provisioningToken();
    }

    @AfterAll
    static void stop() {
        emulator.close();
    }

    @BeforeEach
    void reset() {
        emulator.clearRecordings();
        emulator.autoApprove(false);
        emulator.registrationTokenLifetime(Duration.ofDays(14));
        emulator.sasLifetime(Duration.ofHours(1));
        emulator.operationLifetime(Duration.ofHours(1));
    }

    private HttpResponse<String> init(String body) throws Exception {
        return device.call(SpotflowEndpoint.INIT, pt, body);
    }

    private HttpResponse<String> complete(String operationId) throws Exception {
        return device.call(SpotflowEndpoint.COMPLETE, pt, "{\"provisioningOperationId\":\"" + operationId + "\"}");
    }

    private HttpResponse<String> register(String rt) throws Exception {
        return device.call(SpotflowEndpoint.REGISTER, rt, REGISTER_BODY);
    }

    private HttpResponse<String> refresh(String rt) throws Exception {
        return device.call(SpotflowEndpoint.REFRESH, pt, "{\"registrationToken\":\"" + rt + "\"}");
    }

    private String startOperation(String deviceId) throws Exception {
        HttpResponse<String> init = init("{\"deviceId\":\"" + deviceId + "\"}");
        assertThat(init.statusCode()).isEqualTo(200);
        return SpotflowDevice.json(init).get("provisioningOperationId").asString();
    }

    private static String text(HttpResponse<String> response, String key) {
        return SpotflowDevice.json(response).get(key).asString();
    }

    @Test
    void provisionsAfterApprovalThenRegistersAndRefreshes() throws Exception {
        HttpResponse<String> init = init("{\"deviceId\":\"pump-01\"}");
        assertThat(init.statusCode()).isEqualTo(200);
        JsonNode operation = SpotflowDevice.json(init);
        assertThat(operation.propertyNames()).containsExactly("provisioningOperationId", "verificationCode",
                "expirationTime");
        assertThat(Instant.parse(operation.get("expirationTime").asString()))
            .isEqualTo(clock.instant().plus(Duration.ofHours(1)));
        String operationId = operation.get("provisioningOperationId").asString();
        ProvisioningOperation pending = emulator.awaitPendingOperation(TIMEOUT);
        assertThat(pending.id()).isEqualTo(operationId);
        assertThat(pending.verificationCode()).isEqualTo(operation.get("verificationCode").asString());
        assertThat(pending.requestedDeviceId()).isEqualTo("pump-01");

        HttpResponse<String> notYet = complete(operationId);
        assertThat(notYet.statusCode()).isEqualTo(202);
        assertThat(emulator.approve(operationId)).isEqualTo("pump-01");
        HttpResponse<String> approved = complete(operationId);
        assertThat(approved.statusCode()).isEqualTo(200);
        String rt = text(approved, "registrationToken");
        assertThat(Instant.parse(text(approved, "expirationTime"))).isEqualTo(clock.instant().plus(Duration.ofDays(14)));

        HttpResponse<String> registered = register(rt);
        assertThat(registered.statusCode()).isEqualTo(200);
        JsonNode registration = SpotflowDevice.json(registered);
        assertThat(registration.propertyNames()).containsExactlyInAnyOrder("connectionString", "iotHubHostName",
                "connectionStringType", "connectionStringExpiration", "tokenRemainingLifetime");
        String connectionString = registration.get("connectionString").asString();
        assertThat(SpotflowDevice.connectionStringPart(connectionString, "HostName")).isEqualTo("localhost");
        assertThat(SpotflowDevice.connectionStringPart(connectionString, "DeviceId"))
            .isEqualTo("7d0c2f4e-1111-4222-8333-0123456789e1:pump-01");
        assertThat(SpotflowDevice.connectionStringPart(connectionString, "SharedAccessSignature"))
            .startsWith("SharedAccessSignature sr=localhost%2Fdevices%2F7d0c2f4e-1111-4222-8333-0123456789e1%3Apump-01&sig=")
            .endsWith("&se=" + clock.instant().plus(Duration.ofHours(1)).getEpochSecond());
        assertThat(registration.get("connectionStringType").asString()).isEqualTo("SharedAccessSignature");
        assertThat(Instant.parse(registration.get("connectionStringExpiration").asString()))
            .isEqualTo(clock.instant().plus(Duration.ofHours(1)));
        assertThat(registration.get("tokenRemainingLifetime").asString()).isEqualTo("14.00:00:00");

        HttpResponse<String> refreshed = refresh(rt);
        assertThat(refreshed.statusCode()).isEqualTo(200);
        String newRt = text(refreshed, "registrationToken");
        assertThat(newRt).isNotEqualTo(rt);
        assertThat(register(rt).statusCode()).as("the refreshed token is superseded").isEqualTo(401);
        assertThat(register(newRt).statusCode()).isEqualTo(200);
        assertThat(emulator.devices()).contains("pump-01");
        assertThat(emulator.requests()).extracting(RecordedHttpRequest::status)
            .containsExactly(200, 202, 200, 200, 200, 401, 200);
        assertThat(emulator.requests(SpotflowEndpoint.REFRESH)).singleElement()
            .satisfies((r) -> assertThat(r.authorization()).isEqualTo("DeviceToken " + pt));
        assertThat(emulator.requests().toString()).doesNotContain(rt).doesNotContain(pt);
    }

    @Test
    void completingAgainIssuesANewTokenAndInvalidatesTheOlder() throws Exception {
        String operationId = startOperation("pump-02");
        emulator.approve(operationId);
        String first = text(complete(operationId), "registrationToken");
        String second = text(complete(operationId), "registrationToken");
        assertThat(second).isNotEqualTo(first);
        assertThat(register(first).statusCode()).isEqualTo(401);
        assertThat(register(second).statusCode()).isEqualTo(200);
    }

    @Test
    void generatesADeviceIdWhenNoneIsRequested() throws Exception {
        HttpResponse<String> init = init("{}");
        assertThat(init.statusCode()).isEqualTo(200);
        String operationId = text(init, "provisioningOperationId");
        String deviceId = emulator.approve(operationId);
        assertThat(deviceId).isNotBlank();
        String rt = text(complete(operationId), "registrationToken");
        assertThat(SpotflowDevice.connectionStringPart(text(register(rt), "connectionString"), "DeviceId"))
            .isEqualTo(emulator.hubDeviceId(deviceId));
    }

    @Test
    void answers202ForeverUntilApproved() throws Exception {
        String operationId = startOperation("pump-03");
        for (int i = 0; i < 5; i++) {
            assertThat(complete(operationId).statusCode()).isEqualTo(202);
        }
        ProvisioningOperation operation = emulator.operation(operationId);
        assertThat(operation.status()).isEqualTo(ProvisioningOperation.Status.PENDING);
        assertThat(operation.polls()).isEqualTo(5);
    }

    @Test
    void approvesByItselfAfterTheConfiguredPolls() throws Exception {
        emulator.autoApproveAfterPolls(2);
        String operationId = startOperation("pump-04");
        assertThat(complete(operationId).statusCode()).isEqualTo(202);
        assertThat(complete(operationId).statusCode()).isEqualTo(202);
        assertThat(complete(operationId).statusCode()).isEqualTo(200);
        emulator.autoApprove(true);
        String immediate = startOperation("pump-05");
        assertThat(complete(immediate).statusCode()).isEqualTo(200);
    }

    @Test
    void cancelledOperationAnswers410WithTheCancelledProblemType() throws Exception {
        String operationId = startOperation("pump-06");
        emulator.cancel(operationId);
        HttpResponse<String> response = complete(operationId);
        assertThat(response.statusCode()).isEqualTo(410);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(text(response, "type")).isEqualTo("/problems/deviceProvisioning/provisioningOperationCancelled");
        assertThat(SpotflowDevice.json(response).get("status").asInt()).isEqualTo(410);
    }

    @Test
    void expiredOperationAnswers410OfAnotherType() throws Exception {
        emulator.operationLifetime(Duration.ofMinutes(10));
        String operationId = startOperation("pump-07");
        clock.advance(Duration.ofMinutes(11));
        HttpResponse<String> response = complete(operationId);
        assertThat(response.statusCode()).isEqualTo(410);
        assertThat(text(response, "type")).isNotEqualTo(
                "/problems/deviceProvisioning/provisioningOperationCancelled");
        String manual = startOperation("pump-08");
        emulator.expire(manual);
        assertThat(complete(manual).statusCode()).isEqualTo(410);
    }

    @Test
    void refusesWrongTokensWith401() throws Exception {
        assertThat(device.call(SpotflowEndpoint.INIT, "not-the-pt", "{}").statusCode()).isEqualTo(401);
        String operationId = startOperation("pump-09");
        emulator.approve(operationId);
        String rt = text(complete(operationId), "registrationToken");
        assertThat(device.call(SpotflowEndpoint.INIT, rt, "{}").statusCode()).as("RT on init").isEqualTo(401);
        assertThat(device.call(SpotflowEndpoint.REGISTER, pt, REGISTER_BODY).statusCode()).as("PT on register")
            .isEqualTo(401);
        assertThat(device.call(SpotflowEndpoint.REFRESH, rt, "{\"registrationToken\":\"" + rt + "\"}").statusCode())
            .as("RT authenticating refresh").isEqualTo(401);
        emulator.revokeRegistrationToken("pump-09");
        HttpResponse<String> revoked = register(rt);
        assertThat(revoked.statusCode()).isEqualTo(401);
        assertThat(text(revoked, "title")).isEqualTo("Unauthorized");
    }

    @Test
    void answers423WhileTheWorkspaceIsDisabled() throws Exception {
        String operationId = startOperation("pump-10");
        emulator.approve(operationId);
        String rt = text(complete(operationId), "registrationToken");
        emulator.workspaceDisabled(true);
        assertThat(init("{}").statusCode()).isEqualTo(423);
        assertThat(complete(operationId).statusCode()).isEqualTo(423);
        assertThat(register(rt).statusCode()).isEqualTo(423);
        assertThat(refresh(rt).statusCode()).isEqualTo(423);
        assertThat(device.call(SpotflowEndpoint.INIT, "not-the-pt", "{}").statusCode())
            .as("authentication first").isEqualTo(401);
        emulator.workspaceDisabled(false);
        assertThat(register(rt).statusCode()).isEqualTo(200);
    }

    @Test
    void forcedStatusesApplyToTheNextCallsOrToAll() throws Exception {
        emulator.failNext(SpotflowEndpoint.INIT, 503, 2);
        assertThat(init("{}").statusCode()).isEqualTo(503);
        assertThat(init("{}").statusCode()).isEqualTo(503);
        assertThat(init("{}").statusCode()).isEqualTo(200);
        String operationId = startOperation("pump-11");
        emulator.approve(operationId);
        String rt = text(complete(operationId), "registrationToken");
        emulator.failAlways(SpotflowEndpoint.REGISTER, 500);
        assertThat(register(rt).statusCode()).isEqualTo(500);
        assertThat(register(rt).statusCode()).isEqualTo(500);
        emulator.failAlways(SpotflowEndpoint.REGISTER, null);
        assertThat(register(rt).statusCode()).isEqualTo(200);
        emulator.failNext(SpotflowEndpoint.COMPLETE, 410);
        HttpResponse<String> gone = complete(operationId);
        assertThat(gone.statusCode()).isEqualTo(410);
        assertThat(text(gone, "type")).doesNotContain("Cancelled");
    }

    @Test
    void shortLifetimesRunOut() throws Exception {
        emulator.registrationTokenLifetime(Duration.ofMinutes(30));
        emulator.sasLifetime(Duration.ofMinutes(5));
        String operationId = startOperation("pump-12");
        emulator.approve(operationId);
        String rt = text(complete(operationId), "registrationToken");
        clock.advance(Duration.ofMinutes(10));
        HttpResponse<String> registered = register(rt);
        JsonNode registration = SpotflowDevice.json(registered);
        assertThat(registration.get("tokenRemainingLifetime").asString()).isEqualTo("00:20:00");
        assertThat(Instant.parse(registration.get("connectionStringExpiration").asString()))
            .isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
        clock.advance(Duration.ofMinutes(21));
        assertThat(register(rt).statusCode()).as("expired RT").isEqualTo(401);
        assertThat(refresh(rt).statusCode()).isEqualTo(401);

        emulator.registrationTokenLifetime(null);
        String unlimited = text(complete(operationId), "registrationToken");
        assertThat(SpotflowDevice.json(complete(operationId)).has("expirationTime")).isFalse();
        assertThat(register(unlimited).statusCode()).as("superseded by the later complete").isEqualTo(401);
    }

    @Test
    void rejectsMalformedRequestsWithProblemDetails() throws Exception {
        assertThat(init("{\"deviceId\":\"d\",\"extra\":1}").statusCode()).isEqualTo(400);
        assertThat(init("not json").statusCode()).isEqualTo(400);
        assertThat(complete("").statusCode()).isEqualTo(400);
        String operationId = startOperation("pump-13");
        emulator.approve(operationId);
        String rt = text(complete(operationId), "registrationToken");
        HttpResponse<String> wrongType = device.call(SpotflowEndpoint.REGISTER, rt,
                "{\"connectionStringType\":\"SharedAccessKey\"}");
        assertThat(wrongType.statusCode()).isEqualTo(400);
        assertThat(text(wrongType, "detail")).contains("SharedAccessSignature");
        List<RecordedHttpRequest> requests = emulator.requests(SpotflowEndpoint.INIT);
        assertThat(requests).extracting(RecordedHttpRequest::status).containsExactly(400, 400, 200);
    }

    private static HttpResponse<String> operator(String method, String path, String authorization, String body)
            throws Exception {
        URI uri = URI.create(emulator.url() + "/workspaces/" + emulator.workspaceId() + path);
        HttpRequest.BodyPublisher publisher = body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body);
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
            .header("Content-Type", "application/json")
            .header("Authorization", authorization)
            .method(method, publisher)
            .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheOperatorCalls() throws Exception {
        String operationId = startOperation("pump-14");
        String approve = "{\"provisioningOperationId\":\"" + operationId + "\"}";
        assertThat(operator("PUT", "/provisioning-operations/approve", "DeviceToken " + pt, approve).statusCode())
            .as("needs a Bearer token").isEqualTo(401);
        assertThat(operator("PUT", "/provisioning-operations/approve", "Bearer op", approve).statusCode())
            .isEqualTo(204);
        assertThat(complete(operationId).statusCode()).isEqualTo(200);

        String properties = "/devices/pump-14/desired-properties";
        assertThat(operator("PUT", properties, "Bearer op", "{\"a\":{\"x\":1},\"b\":2}").statusCode()).isEqualTo(204);
        // PUT replaces: the patch sent to the device removes a.x and b.
        assertThat(operator("PUT", properties, "Bearer op", "{\"a\":{\"y\":2}}").statusCode()).isEqualTo(204);
        assertThat(operator("PATCH", properties, "Bearer op", "{\"c\":true}").statusCode()).isEqualTo(204);
        assertThat(emulator.desiredProperties("pump-14"))
            .isEqualTo(new TwinDocument(4, "{\"a\":{\"y\":2},\"c\":true}"));
        assertThat(SpotflowDevice.json(operator("GET", properties, "Bearer op", "")))
            .isEqualTo(SpotflowDevice.JSON.readTree("{\"a\":{\"y\":2},\"c\":true,\"$version\":4}"));
    }

    @Test
    void formatsRemainingLifetimesAsDotNetTimeSpans() {
        assertThat(ProvisioningApi.timeSpan(Duration.ofDays(14).minusSeconds(1))).isEqualTo("13.23:59:59");
        assertThat(ProvisioningApi.timeSpan(Duration.ofMillis(1500))).isEqualTo("00:00:01.5000000");
        assertThat(ProvisioningApi.timeSpan(Duration.ofMinutes(-90))).isEqualTo("-01:30:00");
    }
}
