/**
 * Durable state in SQLite (one file per platform, the starter's own connection pool) or in an application's
 * database: {@link dev.iotspring.core.store.IotStores} (the factory bean) opens an
 * {@link dev.iotspring.core.store.IotStore}, which gives out durable outbound queues, key-value stores and JDBC
 * access with versioned {@link dev.iotspring.core.store.Migration}s for a platform's own tables.
 *
 * <p>Nothing here is a {@code DataSource} bean: an application's own DataSource stays the only injectable one.
 */
package dev.iotspring.core.store;
