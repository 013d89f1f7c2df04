package dev.iotspring.astarte;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class AstarteAgentTokenTests {

    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static String traditionalPem(KeyPair keys) throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
            // BouncyCastle writes an RSA KeyPair in the traditional form: RSA PRIVATE KEY.
            pem.writeObject(keys);
        }
        return out.toString();
    }

    /** SEC1 "EC PRIVATE KEY" with the curve named, as openssl writes it. */
    private static String sec1Pem(KeyPair keys) throws Exception {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
        org.bouncycastle.asn1.sec.ECPrivateKey inner = org.bouncycastle.asn1.sec.ECPrivateKey
            .getInstance(info.parsePrivateKey());
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(),
                info.getPrivateKeyAlgorithm().getParameters());
        return "-----BEGIN EC PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(sec1.getEncoded())
                + "\n-----END EC PRIVATE KEY-----\n";
    }

    private static String pkcs8Pem(KeyPair keys) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    private static KeyPair ec(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    private static void assertToken(String token, KeyPair keys, String alg, String jca) throws Exception {
        String[] parts = token.split("\\.");
        assertThat(parts).hasSize(3);
        Base64.Decoder d = Base64.getUrlDecoder();
        JsonNode header = JSON.readTree(d.decode(parts[0]));
        JsonNode claims = JSON.readTree(d.decode(parts[1]));
        assertThat(header.path("alg").asString()).isEqualTo(alg);
        assertThat(claims.path("a_pa").get(0).asString()).isEqualTo(".*::.*");
        assertThat(claims.path("iat").asLong()).isEqualTo(1_700_000_000L);
        assertThat(claims.path("exp").asLong()).isEqualTo(1_700_000_300L);
        Signature verifier = Signature.getInstance(jca);
        verifier.initVerify(keys.getPublic());
        verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(verifier.verify(d.decode(parts[2]))).isTrue();
    }

    @Test
    void rsaKeysSignRs256InPkcs1AndPkcs8Form() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair keys = g.generateKeyPair();
        assertThat(traditionalPem(keys)).contains("BEGIN RSA PRIVATE KEY");
        assertToken(AstarteAgentToken.sign(traditionalPem(keys), Duration.ofMinutes(5), CLOCK), keys, "RS256",
                "SHA256withRSA");
        assertToken(AstarteAgentToken.sign(pkcs8Pem(keys), Duration.ofMinutes(5), CLOCK), keys, "RS256",
                "SHA256withRSA");
    }

    @Test
    void ecKeysSignEsByCurveWithRawSignatures() throws Exception {
        KeyPair p256 = ec("secp256r1");
        String token = AstarteAgentToken.sign(sec1Pem(p256), Duration.ofMinutes(5), CLOCK);
        assertToken(token, p256, "ES256", "SHA256withECDSAinP1363Format");
        // JWS wants R||S: 64 bytes for P-256, never DER.
        assertThat(Base64.getUrlDecoder().decode(token.split("\\.")[2])).hasSize(64);
        KeyPair p384 = ec("secp384r1");
        assertToken(AstarteAgentToken.sign(pkcs8Pem(p384), Duration.ofMinutes(5), CLOCK), p384, "ES384",
                "SHA384withECDSAinP1363Format");
        KeyPair p521 = ec("secp521r1");
        assertToken(AstarteAgentToken.sign(pkcs8Pem(p521), Duration.ofMinutes(5), CLOCK), p521, "ES512",
                "SHA512withECDSAinP1363Format");
    }

    @Test
    void unreadableKeysFailWithoutShowingTheKey() {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> AstarteAgentToken.sign("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
                    Duration.ofMinutes(5), CLOCK))
            .withMessage("the realm private key is not a readable PEM private key");
    }
}
