package io.parley.presence;

import java.util.UUID;

import reactor.core.publisher.Mono;

/**
 * Typing indicators: throttled, relayed to the other members on any node through Redis pub/sub,
 * never stored, and ended by the server when not renewed in time. None of these methods fails:
 * typing is a hint, and trouble with it must never cost a connection.
 */
public interface Typing {

	/** One typing frame of a connection. */
	Mono<TypingOutcome> typing(UUID userId, String connectionId, UUID conversationId, TypingAction action);

	/** A message was sent: the sender no longer types in that conversation. */
	Mono<Void> messageSent(UUID userId, UUID conversationId);

	/** The connection closed: whatever it was typing ends. */
	Mono<Void> connectionClosed(UUID userId, String connectionId);
}
