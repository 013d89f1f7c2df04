package dev.iotspring.streamsea;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Mints the RS512 JWTs stream-sea 4.x accepts on the WebSocket: header {@code {"alg":"RS512","typ":"JWT"}},
 * claims {@code exp} (epoch seconds) and {@code mustFanout}, signed with the client's RSA private key whose
 * public half is registered on the server. As a {@link StreamSeaTokenSource} it mints a token valid for
 * {@code ttl} on every call.
 */
public final class StreamSeaJwtSigner implements StreamSeaTokenSource {

    private static final String HEADER = base64Url("{\"alg\":\"RS512\",\"typ\":\"JWT\"}"
        .getBytes(StandardCharsets.UTF_8));

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final PrivateKey privateKey;

    private final Duration ttl;

    private final boolean mustFanout;

    private final Clock clock;

    public StreamSeaJwtSigner(PrivateKey privateKey, Duration ttl, boolean mustFanout, Clock clock) {
        if (!(privateKey instanceof RSAPrivateKey)) {
            throw new IllegalArgumentException("RS512 needs an RSA private key but got " + privateKey.getAlgorithm());
        }
        this.privateKey = privateKey;
        this.ttl = ttl;
        this.mustFanout = mustFanout;
        this.clock = clock;
    }

    public static StreamSeaJwtSigner fromPem(String pem, Duration ttl, boolean mustFanout) {
        return new StreamSeaJwtSigner(readPrivateKey(pem), ttl, mustFanout, Clock.systemUTC());
    }

    /**
     * Reads an unencrypted RSA private key in PEM form: PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1
     * ({@code BEGIN RSA PRIVATE KEY}, what the stream-sea CLI generates). The message of a failure never
     * contains key material.
     */
    public static PrivateKey readPrivateKey(String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem.trim()))) {
            Object object = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (object instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (object instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new IllegalArgumentException("expected an unencrypted PEM private key (BEGIN PRIVATE KEY or "
                    + "BEGIN RSA PRIVATE KEY) but found " + (object == null ? "no PEM object" : "a different PEM object"));
        }
        catch (IOException ex) {
            throw new IllegalArgumentException("cannot read the PEM private key", ex);
        }
    }

    /** A token with {@code exp = now + ttl} and the configured {@code mustFanout}. */
    @Override
    public String token() {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("exp", this.clock.instant().plus(this.ttl).getEpochSecond());
        claims.put("mustFanout", this.mustFanout);
        return sign(claims);
    }

    /** Signs arbitrary claims, for example a {@code filter} for a browser's token. */
    public String sign(Map<String, ?> claims) {
        String signingInput = HEADER + "." + base64Url(JSON.writeValueAsBytes(claims));
        try {
            Signature signature = Signature.getInstance("SHA512withRSA");
            signature.initSign(this.privateKey);
            signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + base64Url(signature.sign());
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("Cannot sign the stream-sea JWT", ex);
        }
    }

    private static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Override
    public String toString() {
        return "StreamSeaJwtSigner[RS512, ttl=" + this.ttl + ", mustFanout=" + this.mustFanout + "]";
    }
}
