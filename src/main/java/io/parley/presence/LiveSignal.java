package io.parley.presence;

import java.util.List;
import java.util.UUID;

/** What one connection's feed ({@link Presence#signals}) carries: presence it asked for, typing in its conversations. */
public sealed interface LiveSignal {

	/** The answer to a subscription: the current state of every accepted user, in the order asked. */
	record PresenceSnapshot(List<UserPresence> users, String ref) implements LiveSignal {
	}

	/** A subscribed user's presence changed. */
	record PresenceChanged(UserPresence presence) implements LiveSignal {
	}

	/**
	 * Another member's typing in one of your conversations.
	 *
	 * @param reason for a stop: {@code stopped} (the typist said so), {@code sent} (a message was sent),
	 *     {@code disconnected}, {@code expired} (no renewal in time); null otherwise
	 */
	record Typing(UUID conversationId, UUID userId, TypingAction action, String reason) implements LiveSignal {
	}
}
