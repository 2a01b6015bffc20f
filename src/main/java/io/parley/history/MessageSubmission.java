package io.parley.history;

import java.util.UUID;

/**
 * A member's request to append a message. {@code replyTo} names the connection that should get the
 * acknowledgement (opaque to the log), so the ack finds its way back on whichever node holds it.
 */
public record MessageSubmission(UUID conversationId, UUID senderId, String clientMessageId, String body,
		String replyTo) {
}
