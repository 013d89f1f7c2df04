package dev.iotspring.test.astarte;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * The answer of the Pairing API's {@code credentials/verify} to one certificate (spec §3).
 *
 * @param valid whether Astarte would accept the certificate now
 * @param until its end of validity when valid, else null
 * @param cause when invalid: {@code EXPIRED}, {@code INVALID_ISSUER}, {@code INVALID_SIGNATURE}, {@code REVOKED},
 * {@code NAME_NOT_PERMITTED} or {@code INVALID} (not a certificate)
 */
public record CertificateVerdict(boolean valid, @Nullable Instant until, @Nullable String cause) {

    static CertificateVerdict valid(Instant until) {
        return new CertificateVerdict(true, until, null);
    }

    static CertificateVerdict invalid(String cause) {
        return new CertificateVerdict(false, null, cause);
    }
}
