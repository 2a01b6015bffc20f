package io.parley.groups;

import java.time.Instant;
import java.util.UUID;

/** One line of "my conversations"; for a 1:1 the name is the other person's username. */
public record ConversationSummary(UUID id, ConversationKind kind, String name, Role role, int memberCount,
		Instant createdAt) {
}
