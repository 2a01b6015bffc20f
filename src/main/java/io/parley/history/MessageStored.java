package io.parley.history;

/**
 * Published on every node, in sequence order per conversation, once an entry is durable.
 * {@code duplicate} is true when a retried submission found the entry already stored: the sender
 * is acknowledged again, nobody else receives it twice.
 */
public record MessageStored(StoredMessage message, String replyTo, boolean duplicate) {
}
