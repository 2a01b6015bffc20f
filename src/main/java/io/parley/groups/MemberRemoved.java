package io.parley.groups;

import java.util.UUID;

/** Published after the transaction that removed a member (or saw them leave) commits. */
public record MemberRemoved(UUID conversationId, UUID userId, UUID removedBy) {
}
