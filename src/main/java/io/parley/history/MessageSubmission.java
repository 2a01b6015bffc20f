package io.parley.history;

import java.util.UUID;

/**
 * A member's request to append to a conversation's log. {@code replyTo} names the connection that
 * should get the acknowledgement or the refusal (opaque to the log), so the answer finds its way
 * back on whichever node holds it. For edits and deletes, {@code targetSeq} names the message and
 * {@code expectedVersion} is the version the author saw (compare-and-set). {@code ciphertext} is an
 * opaque payload (end-to-end encrypted by the clients) that the log stores and relays unread; a message
 * has a body, a ciphertext or both.
 */
public record MessageSubmission(UUID conversationId, UUID senderId, String clientMessageId, EntryKind kind,
		String body, Long targetSeq, Integer expectedVersion, String replyTo, byte[] ciphertext) {

	public static MessageSubmission message(UUID conversationId, UUID senderId, String clientMessageId, String body,
			String replyTo) {
		return message(conversationId, senderId, clientMessageId, body, null, replyTo);
	}

	public static MessageSubmission message(UUID conversationId, UUID senderId, String clientMessageId, String body,
			byte[] ciphertext, String replyTo) {
		return new MessageSubmission(conversationId, senderId, clientMessageId, EntryKind.MESSAGE, body, null, null, replyTo,
				ciphertext);
	}

	public static MessageSubmission edit(UUID conversationId, UUID senderId, String clientMessageId, long targetSeq,
			int expectedVersion, String body, String replyTo) {
		return edit(conversationId, senderId, clientMessageId, targetSeq, expectedVersion, body, null, replyTo);
	}

	public static MessageSubmission edit(UUID conversationId, UUID senderId, String clientMessageId, long targetSeq,
			int expectedVersion, String body, byte[] ciphertext, String replyTo) {
		return new MessageSubmission(conversationId, senderId, clientMessageId, EntryKind.EDIT, body, targetSeq,
				expectedVersion, replyTo, ciphertext);
	}

	public static MessageSubmission delete(UUID conversationId, UUID senderId, String clientMessageId, long targetSeq,
			String replyTo) {
		return new MessageSubmission(conversationId, senderId, clientMessageId, EntryKind.DELETE, null, targetSeq, null,
				replyTo, null);
	}
}
