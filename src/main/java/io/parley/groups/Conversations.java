package io.parley.groups;

import java.util.Collection;
import java.util.Set;
import java.util.UUID;

import reactor.core.publisher.Mono;

/** The groups module's public API for other modules: membership questions. */
public interface Conversations {

	/** Whether the user is a member now; false for unknown conversations. */
	Mono<Boolean> isMember(UUID conversationId, UUID userId);

	/** Blocking variant for callers already off the event loop (Kafka listener threads). */
	boolean isMemberNow(UUID conversationId, UUID userId);

	/** Blocking: the current members' ids; empty for unknown conversations. */
	Set<UUID> memberIdsNow(UUID conversationId);

	/**
	 * Blocking: who receives the entry with this seq: current members who joined before it. A member
	 * added later than the entry does not get it; a removed member gets nothing.
	 */
	Set<UUID> recipientsNow(UUID conversationId, long seq);

	/** The seq after which the user may read the conversation's log, empty if not a member. */
	Mono<java.util.Optional<Long>> joinSeq(UUID conversationId, UUID userId);

	/**
	 * Blocking: those of the candidates who share at least one conversation with the user (the user
	 * is never among them). Presence uses it to decide who may see whose status.
	 */
	Set<UUID> sharingAConversationNow(UUID userId, Collection<UUID> candidates);

	/**
	 * Blocking: the conversations the user belongs to now, each with the seq after which the user
	 * may read it (their join point). Unread counts start from there.
	 */
	java.util.Map<UUID, Long> membershipsNow(UUID userId);
}
