package dev.iotspring.test.spotflow;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The operator calls of the platform API that tests and demos use (spec §2 "operator side", shapes from the
 * SDK's examples): approve a provisioning operation, replace ({@code PUT}) or merge ({@code PATCH}) a device's
 * desired properties, read desired and reported properties. Any non-empty {@code Bearer} token is accepted;
 * the real platform's response bodies for these calls are UNCONFIRMED, so approval and writes answer 204.
 */
final class OperatorApi {

    private static final Pattern APPROVE = Pattern.compile("/workspaces/([^/]+)/provisioning-operations/approve");

    private static final Pattern PROPERTIES = Pattern
        .compile("/workspaces/([^/]+)/devices/([^/]+)/(desired|reported)-properties");

    private final String workspaceId;

    private final ProvisioningState provisioning;

    private final TwinStore twins;

    private final IotHubSide hub;

    OperatorApi(String workspaceId, ProvisioningState provisioning, TwinStore twins, IotHubSide hub) {
        this.workspaceId = workspaceId;
        this.provisioning = provisioning;
        this.twins = twins;
        this.hub = hub;
    }

    static boolean handles(String path) {
        return path.startsWith("/workspaces/");
    }

    /** The JSON answer (200), or null for 204. */
    @Nullable JsonNode route(String method, String path, Map<String, String> headers, String body) {
        String authorization = headers.getOrDefault("authorization", "");
        if (!authorization.startsWith("Bearer ") || authorization.length() == "Bearer ".length()) {
            throw ProblemException.unauthorized("Authorization must be 'Bearer <token>'");
        }
        Matcher approve = APPROVE.matcher(path);
        if (approve.matches()) {
            requireWorkspace(approve.group(1));
            requireMethod(method, "PUT");
            ObjectNode json = ProvisioningApi.parse(body);
            ProvisioningApi.requireOnlyKeys(json, Set.of("provisioningOperationId"));
            String operationId = ProvisioningApi.requireText(json, "provisioningOperationId");
            try {
                this.provisioning.approve(operationId);
            }
            catch (IllegalArgumentException ex) {
                throw new ProblemException(404, null, "Not Found", ex.getMessage());
            }
            catch (IllegalStateException ex) {
                throw new ProblemException(409, null, "Conflict", ex.getMessage());
            }
            return null;
        }
        Matcher properties = PROPERTIES.matcher(path);
        if (!properties.matches()) {
            throw new ProblemException(404, null, "Not Found", "No resource at this path");
        }
        requireWorkspace(properties.group(1));
        String deviceId = properties.group(2);
        boolean desired = properties.group(3).equals("desired");
        if (method.equals("GET")) {
            TwinDocument document = desired ? this.twins.desired(deviceId) : this.twins.reported(deviceId);
            return TwinStore.withVersion((ObjectNode) document.tree(), document.version());
        }
        if (!desired || !(method.equals("PUT") || method.equals("PATCH"))) {
            throw new ProblemException(405, null, "Method Not Allowed", method + " " + path);
        }
        ObjectNode json = ProvisioningApi.parse(body);
        ObjectNode patch = method.equals("PATCH") ? json
                : diff((ObjectNode) this.twins.desired(deviceId).tree(), json);
        this.hub.patchDesired(deviceId, TwinStore.JSON.writeValueAsString(patch), 0, true);
        return null;
    }

    /** The merge patch that turns {@code from} into {@code to}: changed members, {@code null} for removed ones. */
    static ObjectNode diff(ObjectNode from, ObjectNode to) {
        ObjectNode patch = TwinStore.JSON.createObjectNode();
        for (Iterator<String> names = from.propertyNames().iterator(); names.hasNext();) {
            String name = names.next();
            if (!to.has(name)) {
                patch.putNull(name);
            }
        }
        for (Map.Entry<String, JsonNode> member : to.properties()) {
            JsonNode before = from.get(member.getKey());
            JsonNode after = member.getValue();
            if (before instanceof ObjectNode beforeObject && after instanceof ObjectNode afterObject) {
                ObjectNode nested = diff(beforeObject, afterObject);
                if (!nested.isEmpty()) {
                    patch.set(member.getKey(), nested);
                }
            }
            else if (!after.equals(before)) {
                patch.set(member.getKey(), after.deepCopy());
            }
        }
        return patch;
    }

    private void requireWorkspace(String workspaceId) {
        if (!this.workspaceId.equals(workspaceId)) {
            throw new ProblemException(404, null, "Not Found", "No workspace " + workspaceId);
        }
    }

    private static void requireMethod(String method, String expected) {
        if (!expected.equals(method)) {
            throw new ProblemException(405, null, "Method Not Allowed", "Use " + expected);
        }
    }
}
