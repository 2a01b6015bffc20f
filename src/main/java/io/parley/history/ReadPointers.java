package io.parley.history;

import java.util.UUID;

import reactor.core.publisher.Mono;

/** Read pointers, unread counts and receipts: the history module's API for receipts. */
public interface ReadPointers {

	/**
	 * Moves the member's pointers forward to at least these values (clamped to the conversation's
	 * head; a lower value than stored changes nothing; read implies delivered) and announces a move
	 * as {@link PointersMoved} on every node. Fails with {@code NotAMember} for non-members.
	 * Completes with the pointer as stored after the update.
	 */
	Mono<ReadPointer> advance(UUID conversationId, UUID userId, long deliveredSeq, long readSeq);

	/** The member's pointer now (zeros when they never received or read anything). */
	ReadPointer pointerNow(UUID conversationId, UUID userId);

	/** Unread counts of every conversation the user belongs to, recomputed from the log. */
	Mono<UnreadCounts> unread(UUID userId);

	/** Who got and read the conversation up to {@code seq} (null: the head), for a member. */
	Mono<ReceiptSummary> receipts(UUID conversationId, UUID viewer, Long seq);
}
