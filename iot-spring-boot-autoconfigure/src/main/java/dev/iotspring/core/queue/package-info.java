/**
 * Outbound queues: messages accepted for sending and not yet acknowledged.
 *
 * <p>{@link dev.iotspring.core.queue.OutboundQueue} is the contract (offer, poll into flight, ack, requeue to
 * the original place); {@link dev.iotspring.core.queue.InMemoryQueue} keeps messages in memory (FIFO or LIFO,
 * bounded with the StellaNow overflow rules), {@link dev.iotspring.core.store.JdbcOutboundQueue} in a database.
 * A {@link dev.iotspring.core.delivery.Dispatcher} is the only consumer of a queue.
 */
package dev.iotspring.core.queue;
