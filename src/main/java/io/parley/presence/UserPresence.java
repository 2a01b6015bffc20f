package io.parley.presence;

import java.time.Instant;
import java.util.UUID;

/**
 * A user's presence as a given viewer may see it.
 *
 * @param lastSeen when the user's last device went away; only for offline users, and null when
 *     never seen or hidden by the user's privacy setting
 */
public record UserPresence(UUID userId, PresenceState status, Instant lastSeen) {
}
