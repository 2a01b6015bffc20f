package io.parley.history;

import java.time.Instant;
import java.util.UUID;

/**
 * A message as the log holds it. {@code seq} orders the conversation (1, 2, 3… with no gaps);
 * {@code sentAt} is the server's UTC clock at sequencing time and is for display only.
 */
public record StoredMessage(UUID conversationId, long seq, long messageId, UUID senderId, String clientMessageId,
		String body, Instant sentAt) {
}
