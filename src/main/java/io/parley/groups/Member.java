package io.parley.groups;

import java.time.Instant;
import java.util.UUID;

public record Member(UUID userId, String username, Role role, Instant joinedAt) {
}
