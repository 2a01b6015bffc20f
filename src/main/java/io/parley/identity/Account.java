package io.parley.identity;

import java.time.Instant;
import java.util.UUID;

/** A registered user. The password hash never leaves the identity module. */
public record Account(UUID id, String username, Instant createdAt) {
}
