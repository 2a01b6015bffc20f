package io.parley.groups;

import java.util.UUID;

/** Published after the transaction that added a member commits. */
public record MemberAdded(UUID conversationId, UUID userId, Role role, UUID addedBy) {
}
