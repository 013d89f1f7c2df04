package dev.iotspring.test.astarte;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks agent JWTs as Astarte's Pairing API does (spec §3.1): one of the nine RSA/RSA-PSS/ECDSA algorithms the
 * realm key fits, the signature, {@code exp} when present, and an {@code a_pa} entry {@code METHOD::PATH} whose
 * anchored regexes match the request.
 */
final class AgentTokens {

    /** JWT alg → JCA signature algorithm; ES* signatures are raw R‖S (P1363), as JWS defines them. */
    private static final Map<String, String> ALGORITHMS = Map.of("RS256", "SHA256withRSA", "RS384", "SHA384withRSA",
            "RS512", "SHA512withRSA", "PS256", "RSASSA-PSS", "PS384", "RSASSA-PSS", "PS512", "RSASSA-PSS", "ES256",
            "SHA256withECDSAinP1363Format", "ES384", "SHA384withECDSAinP1363Format", "ES512",
            "SHA512withECDSAinP1363Format");

    private final JsonMapper json;

    private final Clock clock;

    AgentTokens(JsonMapper json, Clock clock) {
        this.json = json;
        this.clock = clock;
    }

    /** Why a token is refused: 401 for a bad token, 403 for a good token without the right claim. */
    enum Outcome {

        ACCEPTED, UNAUTHORIZED, FORBIDDEN
    }

    /**
     * @param token the bearer token
     * @param key the realm's public key
     * @param method HTTP method
     * @param path the request path after {@code /v1/<realm>/}, e.g. {@code agent/devices}
     */
    Outcome check(@Nullable String token, PublicKey key, String method, String path) {
        JsonNode claims = (token != null) ? verify(token, key) : null;
        if (claims == null) {
            return Outcome.UNAUTHORIZED;
        }
        JsonNode exp = claims.path("exp");
        if (!exp.isMissingNode() && (!exp.isNumber() || exp.asLong() <= this.clock.instant().getEpochSecond())) {
            return Outcome.UNAUTHORIZED;
        }
        JsonNode grants = claims.path("a_pa");
        if (!grants.isArray()) {
            return Outcome.FORBIDDEN;
        }
        for (JsonNode grant : grants) {
            if (grant.isString() && permits(grant.asString(), method, path)) {
                return Outcome.ACCEPTED;
            }
        }
        return Outcome.FORBIDDEN;
    }

    /** {@code METHOD_REGEX::PATH_REGEX}: split on ':' into exactly three parts, the middle one empty. */
    private static boolean permits(String grant, String method, String path) {
        String[] parts = grant.split(":", -1);
        if (parts.length != 3 || !parts[1].isEmpty()) {
            return false;
        }
        try {
            return Pattern.matches(parts[0], method) && Pattern.matches(parts[2], path);
        }
        catch (PatternSyntaxException ex) {
            return false;
        }
    }

    private @Nullable JsonNode verify(String token, PublicKey key) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            Base64.Decoder decoder = Base64.getUrlDecoder();
            String alg = this.json.readTree(decoder.decode(parts[0])).path("alg").asString("");
            String jca = ALGORITHMS.get(alg);
            if (jca == null || !fits(alg, key)) {
                return null;
            }
            Signature signature = Signature.getInstance(jca);
            if (alg.startsWith("PS")) {
                String digest = "SHA-" + alg.substring(2);
                signature.setParameter(new PSSParameterSpec(digest, "MGF1", new MGF1ParameterSpec(digest),
                        Integer.parseInt(alg.substring(2)) / 8, 1));
            }
            signature.initVerify(key);
            signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!signature.verify(decoder.decode(parts[2]))) {
                return null;
            }
            JsonNode claims = this.json.readTree(decoder.decode(parts[1]));
            return claims.isObject() ? claims : null;
        }
        catch (Exception ex) {
            // Malformed base64, JSON or signature: an invalid token, whatever the detail.
            return null;
        }
    }

    /**
     * A JWT over {@code claims} signed with {@code key}: RS256 for RSA, ES256/384/512 by the EC curve (what a
     * compatible client chooses, spec §3.1).
     */
    static String sign(JsonMapper json, PrivateKey key, Map<String, ?> claims) {
        String alg;
        String jca;
        if (key instanceof ECPrivateKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            alg = (bits == 256) ? "ES256" : (bits == 384) ? "ES384" : "ES512";
        }
        else {
            alg = "RS256";
        }
        jca = ALGORITHMS.get(alg);
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        String header = encoder.encodeToString(json.writeValueAsBytes(Map.of("alg", alg, "typ", "JWT")));
        String payload = encoder.encodeToString(json.writeValueAsBytes(claims));
        try {
            Signature signature = Signature.getInstance(jca);
            signature.initSign(key);
            signature.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            return header + "." + payload + "." + encoder.encodeToString(signature.sign());
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalArgumentException("Cannot sign a JWT with a " + key.getAlgorithm() + " key", ex);
        }
    }

    /** The algorithm family must match the key; ES256/384/512 also the curve size (P-256/384/521). */
    private static boolean fits(String alg, PublicKey key) {
        if (alg.startsWith("ES")) {
            if (!(key instanceof ECPublicKey ec)) {
                return false;
            }
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            return switch (alg) {
                case "ES256" -> bits == 256;
                case "ES384" -> bits == 384;
                default -> bits == 521;
            };
        }
        return key instanceof RSAPublicKey;
    }
}
