/**
 * {@link dev.iotspring.test.tls.TestCertificateAuthority}: throw-away CA, server and client certificates for TLS
 * tests, as key stores and PEM.
 */
@NullMarked
package dev.iotspring.test.tls;

import org.jspecify.annotations.NullMarked;
