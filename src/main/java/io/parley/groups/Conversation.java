package io.parley.groups;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A conversation with its members, as a member sees it. */
public record Conversation(UUID id, ConversationKind kind, String name, UUID createdBy, Instant createdAt,
		List<Member> members) {

	public Role roleOf(UUID userId) {
		return members.stream().filter(m -> m.userId().equals(userId)).map(Member::role).findFirst().orElse(null);
	}
}
