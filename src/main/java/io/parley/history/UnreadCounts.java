package io.parley.history;

import java.util.List;
import java.util.UUID;

/**
 * A user's unread messages, per conversation and in total. A message counts when it is a plain
 * message (not an edit or delete entry), not deleted, not the user's own, above the user's join
 * point and above their read pointer. {@code capped} says a count stopped at the scan limit.
 */
public record UnreadCounts(long total, List<Conversation> conversations) {

	public record Conversation(UUID conversationId, long unread, boolean capped, long readSeq, long deliveredSeq,
			long lastSeq) {
	}
}
