package io.parley.history;

import java.time.Instant;
import java.util.UUID;

/**
 * An entry of a conversation's log. {@code seq} orders the conversation (1, 2, 3… with no gaps);
 * {@code sentAt} is the server's UTC clock at sequencing time and is for display only.
 *
 * <p>For a {@link EntryKind#MESSAGE} read from history, {@code body}, {@code version},
 * {@code editedAt} and {@code deleted} are its current state (a deleted message is a tombstone with
 * no body). For {@link EntryKind#EDIT} and {@link EntryKind#DELETE}, {@code targetSeq} names the
 * message, {@code version} is its version after the change and {@code body} the new body of an edit.
 * {@code ciphertext} is the opaque payload the sender attached (null when none): stored and relayed
 * byte for byte, never parsed; it follows {@code body} through edits, deletes and late joins.
 */
public record StoredMessage(UUID conversationId, long seq, long messageId, UUID senderId, String clientMessageId,
		EntryKind kind, String body, Instant sentAt, Long targetSeq, int version, Instant editedAt, boolean deleted,
		byte[] ciphertext) {

	public static StoredMessage message(UUID conversationId, long seq, long messageId, UUID senderId,
			String clientMessageId, String body, Instant sentAt) {
		return message(conversationId, seq, messageId, senderId, clientMessageId, body, null, sentAt);
	}

	public static StoredMessage message(UUID conversationId, long seq, long messageId, UUID senderId,
			String clientMessageId, String body, byte[] ciphertext, Instant sentAt) {
		return new StoredMessage(conversationId, seq, messageId, senderId, clientMessageId, EntryKind.MESSAGE, body, sentAt,
				null, 1, null, false, ciphertext);
	}

	/**
	 * This entry as a member who joined at {@code joinSeq} may see it: an edit of a message from
	 * before their join keeps its place in the order (its seq) but not its content.
	 */
	public StoredMessage visibleAfter(long joinSeq) {
		if (targetSeq == null || targetSeq > joinSeq || (body == null && ciphertext == null)) {
			return this;
		}
		return new StoredMessage(conversationId, seq, messageId, senderId, clientMessageId, kind, null, sentAt, targetSeq,
				version, editedAt, deleted, null);
	}
}
