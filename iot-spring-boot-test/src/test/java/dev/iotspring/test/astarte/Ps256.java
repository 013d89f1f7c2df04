package dev.iotspring.test.astarte;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Base64;

/** A PS256 JWT, signed independently of the emulator's own signer (which makes only RS256 and ES*). */
final class Ps256 {

    private Ps256() {
    }

    static String sign(KeyPair rsa, String claimsJson) {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        String input = encoder.encodeToString("{\"alg\":\"PS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
                + "." + encoder.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8));
        try {
            Signature signature = Signature.getInstance("RSASSA-PSS");
            signature.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
            signature.initSign(rsa.getPrivate());
            signature.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + encoder.encodeToString(signature.sign());
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }
}
