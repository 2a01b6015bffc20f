package io.parley.notifications.internal;

import java.util.UUID;

/**
 * The outbox entry: a collapsed notification for one user and conversation is due. Published in
 * the transaction that takes it off the queue, so Spring Modulith's registry stores it in the same
 * commit; {@link PushSender} marks it complete only once every device got it.
 */
record PushDue(UUID userId, UUID conversationId, long firstSeq, long lastSeq, int count) {
}
