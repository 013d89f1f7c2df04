package dev.iotspring.astarte;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

import org.springframework.boot.ssl.pem.PemContent;

/**
 * Agent JWTs for device registration, signed with the realm's private key (spec §3.1): claim
 * {@code a_pa: [".*::.*"]}, {@code iat} and {@code exp}. The algorithm follows the key: RS256 for RSA, ES256,
 * ES384 or ES512 for EC keys on P-256, P-384 or P-521 (Astarte accepts all of them; assuming RS256 fails on EC
 * realm keys).
 */
public final class AstarteAgentToken {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private AstarteAgentToken() {
    }

    /**
     * Signs a token valid for {@code ttl}.
     * @param privateKeyPem the realm key: PKCS#8 {@code PRIVATE KEY}, {@code RSA PRIVATE KEY} or
     * {@code EC PRIVATE KEY}
     * @throws IllegalArgumentException when the PEM holds no usable RSA or EC private key (the key is not part
     * of the message)
     */
    public static String sign(String privateKeyPem, Duration ttl, Clock clock) {
        RealmKey key = RealmKey.parse(privateKeyPem);
        long now = clock.instant().getEpochSecond();
        String header = "{\"alg\":\"" + key.alg() + "\",\"typ\":\"JWT\"}";
        String claims = "{\"a_pa\":[\".*::.*\"],\"iat\":" + now + ",\"exp\":" + (now + ttl.toSeconds()) + "}";
        String signingInput = encode(header) + "." + encode(claims);
        try {
            // The P1363 form is the raw R||S a JWS ES* signature needs (not DER).
            Signature signature = Signature.getInstance(key.jca());
            signature.initSign(key.key());
            signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + B64.encodeToString(signature.sign());
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("Cannot sign the agent JWT with " + key.jca() + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Checks that {@code privateKeyPem} is a realm key tokens can be signed with, without signing one (the first
     * signature initialises the JDK's signature providers, no work for the application's startup).
     * @throws IllegalArgumentException as {@link #sign}
     */
    public static void check(String privateKeyPem) {
        RealmKey.parse(privateKeyPem);
    }

    /** A realm key and the JWT and JCA names of the signature it makes. */
    private record RealmKey(PrivateKey key, String alg, String jca) {

        static RealmKey parse(String privateKeyPem) {
            PrivateKey key;
            try {
                key = PemContent.of(privateKeyPem).getPrivateKey();
            }
            catch (RuntimeException ex) {
                throw new IllegalArgumentException("the realm private key is not a readable PEM private key");
            }
            if (key == null) {
                throw new IllegalArgumentException("the realm private key PEM contains no private key");
            }
            if (key instanceof RSAPrivateKey) {
                return new RealmKey(key, "RS256", "SHA256withRSA");
            }
            if (key instanceof ECPrivateKey ec) {
                int bits = ec.getParams().getCurve().getField().getFieldSize();
                return switch (bits) {
                    case 256 -> new RealmKey(key, "ES256", "SHA256withECDSAinP1363Format");
                    case 384 -> new RealmKey(key, "ES384", "SHA384withECDSAinP1363Format");
                    case 521 -> new RealmKey(key, "ES512", "SHA512withECDSAinP1363Format");
                    default -> throw new IllegalArgumentException("the realm private key is an EC key on a " + bits
                            + "-bit curve; JWT supports P-256, P-384 and P-521");
                };
            }
            throw new IllegalArgumentException("the realm private key is a " + key.getAlgorithm()
                    + " key; Astarte realm keys are RSA or EC");
        }
    }

    private static String encode(String json) {
        return B64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
