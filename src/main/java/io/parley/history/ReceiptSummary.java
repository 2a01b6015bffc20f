package io.parley.history;

import java.util.List;
import java.util.UUID;

/**
 * Who got and who read a conversation up to {@code seq}: "read by {@code readBy} of {@code members}".
 * {@code members} counts the recipients of that entry other than its sender. {@code pointers} lists
 * each of them for conversations up to the small-group size, and is empty above it.
 */
public record ReceiptSummary(UUID conversationId, long seq, int members, int deliveredTo, int readBy,
		List<ReadPointer> pointers) {
}
