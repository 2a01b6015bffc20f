package io.parley.presence;

import java.time.Instant;

/** Whether a user has a live device now, and when the last one went away (null if never seen or online). */
public record PresenceStatus(boolean online, Instant lastSeen) {
}
