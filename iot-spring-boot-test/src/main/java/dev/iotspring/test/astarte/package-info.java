/**
 * {@link dev.iotspring.test.astarte.AstarteEmulator}: an in-process Astarte for device clients. The Pairing API
 * (agent registration, credentials, certificate verify) over HTTP, a broker that admits only certificates issued by
 * that Pairing API, and an "Astarte side" that decodes the device's traffic and publishes server data, as in
 * {@code specs/astarte.md} §3–§10 and §16.
 */
@NullMarked
package dev.iotspring.test.astarte;

import org.jspecify.annotations.NullMarked;
