package dev.iotspring.test.streamsea;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;

import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** RS512 verification and PEM public keys (X.509 or PKCS#1), as the stream-sea server does them. */
final class Jwts {

    private Jwts() {
    }

    /** The claims of an RS512 token whose signature {@code key} verifies, else {@code null}. */
    static @Nullable JsonNode verify(JsonMapper json, String token, PublicKey key) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return null;
        }
        try {
            Base64.Decoder decoder = Base64.getUrlDecoder();
            JsonNode header = json.readTree(decoder.decode(parts[0]));
            if (!"RS512".equals(header.path("alg").asString(null))) {
                return null;
            }
            Signature signature = Signature.getInstance("SHA512withRSA");
            signature.initVerify(key);
            signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!signature.verify(decoder.decode(parts[2]))) {
                return null;
            }
            return json.readTree(decoder.decode(parts[1]));
        }
        catch (Exception ex) {
            return null;
        }
    }

    static PublicKey readPublicKey(String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object = parser.readObject();
            if (object instanceof SubjectPublicKeyInfo info) {
                return new JcaPEMKeyConverter().getPublicKey(info);
            }
            throw new IllegalArgumentException("Not a PEM public key");
        }
        catch (IOException ex) {
            throw new IllegalArgumentException("Not a PEM public key", ex);
        }
    }
}
